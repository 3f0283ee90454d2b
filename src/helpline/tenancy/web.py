"""Web helpers shared by every app's desk screens (desk, routing, channels, customers, sla,
configuration): the organisation-scoped view decorator and the context every page needs.

They live here, below the apps that use them, so that no app imports another app's views.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from helpline.lib.actors import Actor
from helpline.lib.errors import Forbidden, NotFound
from helpline.tenancy import selectors as tenancy_selectors
from helpline.tenancy.models import Membership
from helpline.tenancy.permissions import Action, Permissions, may


class DeskRequest(HttpRequest):
    """What the views receive: django-htmx's middleware adds ``htmx``."""

    htmx: HtmxDetails


def org_view(fn: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Resolve ``org_slug`` to the user's membership and call ``fn(request, membership, ...)``.

    Anonymous users go to the login page (htmx requests through ``HX-Redirect``, so the
    login form is not swapped into the page). NotFound anywhere inside (another tenant's
    case id, say) becomes a 404 and Forbidden a 403 (``permissions.require``); POST by a
    member who may not write (``Action.WRITE_CASES``) is a 403.
    """

    @wraps(fn)
    def wrapper(request: DeskRequest, org_slug: str, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            login = redirect_to_login(request.get_full_path())
            if request.htmx:  # a swapped-in login form would land inside the page
                return HttpResponseClientRedirect(login["Location"])
            return login
        try:
            membership = tenancy_selectors.membership_for(user=request.user, org_slug=org_slug)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        if request.method == "POST" and not may(membership, Action.WRITE_CASES):
            raise PermissionDenied(_("Your role may read but not change this organisation."))
        with timezone.override(membership.organization.time_zone):
            try:
                return fn(request, membership, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc

    return wrapper


def request_actor(request: HttpRequest) -> Actor:
    """The signed-in user as the actor of audit entries and events."""
    return Actor.for_user(request.user)


def base_context(request: HttpRequest, membership: Membership) -> dict[str, Any]:
    """What every organisation page's template needs: the membership, the organisation,
    whether the member may write, what the permission matrix allows, and the switcher."""
    return {
        "membership": membership,
        "org": membership.organization,
        "can_write": may(membership, Action.WRITE_CASES),
        "perms_for": Permissions(membership),
        "memberships": tenancy_selectors.memberships_for_user(user=request.user),
    }
