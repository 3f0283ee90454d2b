"""The notification settings API: ``/api/v1/settings/notifications`` reads and changes
which progress notifications the tenant sends (the settings screen's API twin)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import StrictBool

from helpline.api.auth import actor, membership, org, token_auth
from helpline.api.schemas import WRITE_ERRORS
from helpline.notify import services
from helpline.notify.progress import settings_for
from helpline.tenancy.permissions import Action, require

router = Router(tags=["settings"])


class NotificationSettingsOut(Schema):
    on_taken: bool
    on_waiting: bool
    on_resolved: bool
    on_closed: bool
    sms_enabled: bool


class NotificationSettingsPatch(Schema):
    """The settings to change; those left out keep their value."""

    on_taken: StrictBool | None = None
    on_waiting: StrictBool | None = None
    on_resolved: StrictBool | None = None
    on_closed: StrictBool | None = None
    sms_enabled: StrictBool | None = None


@router.get(
    "/settings/notifications",
    auth=token_auth,
    response={200: NotificationSettingsOut, **WRITE_ERRORS},
)
def get_notification_settings(request: HttpRequest) -> Any:
    require(membership(request), Action.MANAGE_TEMPLATES)
    return settings_for(org(request).pk)


@router.patch(
    "/settings/notifications",
    auth=token_auth,
    response={200: NotificationSettingsOut, **WRITE_ERRORS},
)
def update_notification_settings(request: HttpRequest, payload: NotificationSettingsPatch) -> Any:
    require(membership(request), Action.MANAGE_TEMPLATES)
    values = {k: v for k, v in payload.model_dump().items() if v is not None}
    return services.update_notification_settings(org=org(request), actor=actor(request), **values)
