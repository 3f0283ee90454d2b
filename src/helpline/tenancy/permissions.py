"""The permission matrix: which role may do what, in one place.

Every check in the desk, the settings area and the API asks ``may(membership, action)`` or
``require(membership, action)``; nothing else compares roles. The matrix is data so that it
can be documented (docs/permissions.md) and tested cell by cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from helpline.lib.errors import Forbidden
from helpline.tenancy.models import Membership, Role


class Action(StrEnum):
    """Something a member may be allowed to do in their organisation."""

    READ_CASES = "read_cases"
    WRITE_CASES = "write_cases"
    READ_INTERNAL_NOTES = "read_internal_notes"
    READ_RAW_MESSAGES = "read_raw_messages"
    END_ANY_CHAT = "end_any_chat"
    VIEW_WALLBOARD = "view_wallboard"
    VIEW_AT_RISK = "view_at_risk"
    VIEW_REPORTS = "view_reports"
    ISSUE_STATEMENTS = "issue_statements"
    EXPORT_CUSTOMERS = "export_customers"
    IMPORT_CUSTOMERS = "import_customers"
    ERASE_CUSTOMERS = "erase_customers"
    CHANGE_RETENTION = "change_retention"
    VIEW_SETTINGS = "view_settings"
    MANAGE_USERS = "manage_users"
    MANAGE_CHANNELS = "manage_channels"
    MANAGE_CATALOGUE = "manage_catalogue"
    MANAGE_ROUTING = "manage_routing"
    MANAGE_SLA = "manage_sla"
    MANAGE_TEMPLATES = "manage_templates"


_ALL = frozenset(Role)
_WRITERS = frozenset({Role.OPERATOR, Role.BACK_OFFICE, Role.SUPERVISOR, Role.ADMIN})
_STAFF = frozenset({Role.OPERATOR, Role.BACK_OFFICE, Role.SUPERVISOR, Role.ADMIN})
_SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
_ADMIN = frozenset({Role.ADMIN})

#: action -> the roles allowed to perform it.
MATRIX: Mapping[Action, frozenset[Role]] = {
    Action.READ_CASES: _ALL,
    Action.WRITE_CASES: _WRITERS,
    Action.READ_INTERNAL_NOTES: _STAFF,
    Action.READ_RAW_MESSAGES: _STAFF,
    Action.END_ANY_CHAT: _SUPERVISING,
    Action.VIEW_WALLBOARD: _SUPERVISING,
    Action.VIEW_AT_RISK: _SUPERVISING,
    Action.VIEW_REPORTS: _SUPERVISING | {Role.CLIENT_REFERENT},
    Action.ISSUE_STATEMENTS: _SUPERVISING,
    Action.EXPORT_CUSTOMERS: _SUPERVISING,
    Action.IMPORT_CUSTOMERS: _SUPERVISING,
    Action.ERASE_CUSTOMERS: _SUPERVISING,
    Action.CHANGE_RETENTION: _ADMIN,
    Action.VIEW_SETTINGS: _SUPERVISING,
    Action.MANAGE_USERS: _ADMIN,
    Action.MANAGE_CHANNELS: _ADMIN,
    Action.MANAGE_CATALOGUE: _SUPERVISING,
    Action.MANAGE_ROUTING: _SUPERVISING,
    Action.MANAGE_SLA: _ADMIN,
    Action.MANAGE_TEMPLATES: _SUPERVISING,
}


def may(membership: Membership | None, action: Action) -> bool:
    """Whether an active member's role allows ``action`` (no membership: never)."""
    if membership is None or not membership.is_active:
        return False
    return membership.role in MATRIX[action]


def require(membership: Membership | None, action: Action) -> None:
    """Raise ``Forbidden`` (403 in the desk and the API) unless ``may``."""
    if not may(membership, action):
        raise Forbidden(_("Your role does not allow this."))


class Permissions:
    """``may`` for templates: ``{% if perms_for.manage_users %}``."""

    def __init__(self, membership: Membership | None) -> None:
        self._membership = membership

    def __getattr__(self, name: str) -> bool:
        try:
            action = Action(name)
        except ValueError:
            raise AttributeError(name) from None
        return may(self._membership, action)
