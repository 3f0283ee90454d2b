"""The settings area: where a tenant's administrators and supervisors configure their
organisation (users, channels, catalogue, routing, service levels) without a shell.

Every screen is an ``org_view`` (another tenant's slug is a 404), checks its action in the
permission matrix (403 otherwise) and writes only through the owning app's services, which
audit every change.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from helpline.configuration import crud
from helpline.configuration.sections import visible_sections
from helpline.tenancy.models import Membership
from helpline.tenancy.permissions import Action, require
from helpline.tenancy.web import DeskRequest, base_context, org_view


def settings_context(request: DeskRequest, membership: Membership) -> dict[str, Any]:
    """The page context of every settings screen: the desk's plus the side menu."""
    return {**base_context(request, membership), "settings_menu": visible_sections(membership)}


@org_view
@require_GET
def index(request: DeskRequest, membership: Membership) -> HttpResponse:
    """``/desk/<org>/settings/``: the sections this member may open, by group."""
    require(membership, Action.VIEW_SETTINGS)
    return render(request, "configuration/index.html", settings_context(request, membership))


# --- the declarative screens of ``crud.py`` -------------------------------------------------

crud_list = org_view(require_GET(crud.list_view))
crud_create = org_view(require_http_methods(["GET", "POST"])(crud.create_view))
crud_edit = org_view(require_http_methods(["GET", "POST"])(crud.edit_view))
crud_delete = org_view(require_http_methods(["GET", "POST"])(crud.delete_view))
