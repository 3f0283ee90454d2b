"""Abuse protection shared by the desk, the portal and the API: the client address, the
login lock-out page (django-axes), the audit entry of a refusal, and the request size cap."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db import models
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind a reverse proxy, let it pass the client's address as
    REMOTE_ADDR (docs/operations.md): a header the client can set is never trusted."""
    return request.META.get("REMOTE_ADDR") or None


def record_refusal(
    *, org_id: int | None, instance: models.Model, what: str, ip: str | None = None, **extra: Any
) -> None:
    """One audit entry for a refused attempt (the first refusal of a window, not each one)."""
    from helpline.audit.models import AuditAction
    from helpline.audit.services import record
    from helpline.lib.actors import Actor

    changes: dict[str, list[Any]] = {"refused": [None, what]}
    if ip:
        changes["ip_address"] = [None, ip]
    changes.update({k: [None, v] for k, v in extra.items()})
    record(
        org_id=org_id,
        actor=Actor.system(ip or "anonymous"),
        action=AuditAction.REFUSED,
        instance=instance,
        changes=changes,
    )


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """What a locked-out login sees (django-axes' AXES_LOCKOUT_CALLABLE): the login page with
    the reason, status 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    lockout = _(
        "Too many failed sign-ins for this account or from this address. Please try again "
        "in %(minutes)d minutes."
    ) % {"minutes": minutes}
    context = {"form": AuthenticationForm(request), "next": "", "lockout": lockout}
    return render(request, "desk/login.html", context, status=429)


def _on_locked_out(
    sender: Any, request: HttpRequest, username: str, ip_address: str, **kw: Any
) -> None:
    from django.contrib.auth import get_user_model

    from helpline.lib.throttle import Limit
    from helpline.tenancy.models import Membership

    # Axes signals each refused attempt; the audit log gets the lock-out once per cool-off.
    window = int(settings.AXES_COOLOFF_TIME.total_seconds()) or 3600
    if Limit("login_locked_audit", 1, window).hit(username or ip_address) > 1:
        return
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is None:
        log.warning("login locked out: unknown user %r from %s", username, ip_address)
        return
    org_ids: list[int | None] = list(
        Membership.objects.filter(user=user, is_active=True).values_list(
            "organization_id", flat=True
        )
    )
    for org_id in org_ids or [None]:
        record_refusal(org_id=org_id, instance=user, what="login", ip=ip_address)


def connect_signals() -> None:
    from axes.signals import user_locked_out

    receiver(user_locked_out, dispatch_uid="helpline-login-locked-out")(_on_locked_out)


class RequestSizeLimitMiddleware:
    """Refuse a request whose body exceeds HELPLINE_MAX_REQUEST_BYTES (413) before any view
    reads it: file uploads are otherwise unbounded in Django (DATA_UPLOAD_MAX_MEMORY_SIZE
    counts form fields only)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.HELPLINE_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit and length > limit:
            # Before LocaleMiddleware: speak the visitor's language here.
            translation.activate(translation.get_language_from_request(request))
            message = _(
                "The request is too large: at most %(limit)d MB may be sent at once. Please "
                "send fewer or smaller files."
            ) % {"limit": max(1, limit // (1024 * 1024))}
            response = render(request, "request_too_large.html", {"message": message}, status=413)
            return response
        return self.get_response(request)
