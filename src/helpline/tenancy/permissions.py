"""The permission matrix: which role may do what, in one place.

Every check in the desk, the settings area and the API asks ``may(membership, action)`` or
``require(membership, action)``; nothing else compares roles. The matrix is data so that it
can be documented (docs/permissions.md) and tested cell by cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from helpline.lib.errors import Forbidden
from helpline.tenancy.models import Membership, Role


class Action(StrEnum):
    """Something a member may be allowed to do in their organisation."""

    READ_CASES = "read_cases"
    WRITE_CASES = "write_cases"
    READ_INTERNAL_NOTES = "read_internal_notes"
    READ_RAW_MESSAGES = "read_raw_messages"
    HANDLE_CHATS = "handle_chats"
    END_ANY_CHAT = "end_any_chat"
    VIEW_WALLBOARD = "view_wallboard"
    DIRECT_AGENTS = "direct_agents"
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


#: What each action lets a member do, for docs/permissions.md and the settings screens.
DESCRIPTIONS: Mapping[Action, str | Promise] = {
    Action.READ_CASES: _("Read cases, their public messages, statuses and history"),
    Action.WRITE_CASES: _("Open, answer, assign and change cases and customers"),
    Action.READ_INTERNAL_NOTES: _("Read internal notes and their attachments"),
    Action.READ_RAW_MESSAGES: _("Open the inbound log and download raw messages"),
    Action.HANDLE_CHATS: _("Take, answer and end the chats they handle"),
    Action.END_ANY_CHAT: _("End a chat another operator is handling"),
    Action.VIEW_WALLBOARD: _("See the wallboard"),
    Action.DIRECT_AGENTS: _("Change another agent's state and move waiting work"),
    Action.VIEW_AT_RISK: _("See the cases at risk of breaching their SLA"),
    Action.VIEW_REPORTS: _("See reports and the monthly penalty statement"),
    Action.ISSUE_STATEMENTS: _("Issue a month's penalty statement (numbered, never changed)"),
    Action.EXPORT_CUSTOMERS: _("Export everything held about a customer"),
    Action.IMPORT_CUSTOMERS: _("Import customers from a file"),
    Action.ERASE_CUSTOMERS: _("Erase a customer's personal data"),
    Action.CHANGE_RETENTION: _("Change the retention policy"),
    Action.VIEW_SETTINGS: _("Open the settings area"),
    Action.MANAGE_USERS: _("Invite users, change roles, manage API tokens"),
    Action.MANAGE_CHANNELS: _("Configure mailboxes, chat, web form and privacy notices"),
    Action.MANAGE_CATALOGUE: _("Configure topics, queues and skills"),
    Action.MANAGE_ROUTING: _("Configure routing rules"),
    Action.MANAGE_SLA: _("Configure SLA policies and business calendars"),
    Action.MANAGE_TEMPLATES: _("Edit mail templates"),
}

_ALL = frozenset(Role)
_STAFF = frozenset({Role.OPERATOR, Role.BACK_OFFICE, Role.SUPERVISOR, Role.ADMIN})
_SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
_ADMIN = frozenset({Role.ADMIN})

#: action -> the roles allowed to perform it. The client referent reads cases and reports
#: only: never internal notes, raw mail or customer exports (issue 12).
MATRIX: Mapping[Action, frozenset[Role]] = {
    Action.READ_CASES: _ALL,
    Action.WRITE_CASES: _STAFF,
    Action.READ_INTERNAL_NOTES: _STAFF,
    Action.READ_RAW_MESSAGES: _STAFF,
    Action.HANDLE_CHATS: _STAFF,
    Action.END_ANY_CHAT: _SUPERVISING,
    Action.VIEW_WALLBOARD: _SUPERVISING,
    Action.DIRECT_AGENTS: _SUPERVISING,
    Action.VIEW_AT_RISK: _SUPERVISING,
    Action.VIEW_REPORTS: _SUPERVISING | {Role.CLIENT_REFERENT},
    # The provider issues the statement; the client's referent receives it.
    Action.ISSUE_STATEMENTS: _SUPERVISING,
    # A GDPR access request is the back office's work; erasure and import are not L1's.
    Action.EXPORT_CUSTOMERS: _SUPERVISING | {Role.BACK_OFFICE},
    Action.IMPORT_CUSTOMERS: _SUPERVISING,
    Action.ERASE_CUSTOMERS: _SUPERVISING,
    # A short retention period pseudonymises customers within the hour: administrators only.
    Action.CHANGE_RETENTION: _ADMIN,
    Action.VIEW_SETTINGS: _SUPERVISING,
    Action.MANAGE_USERS: _ADMIN,
    Action.MANAGE_CHANNELS: _ADMIN,
    Action.MANAGE_CATALOGUE: _SUPERVISING,
    Action.MANAGE_ROUTING: _SUPERVISING,
    Action.MANAGE_SLA: _ADMIN,
    Action.MANAGE_TEMPLATES: _SUPERVISING,
}


def roles_for(action: Action) -> frozenset[Role]:
    """The roles allowed ``action``: for queries (``role__in=roles_for(...)``)."""
    return MATRIX[action]


def may(membership: Membership | None, action: Action) -> bool:
    """Whether an active member's role allows ``action`` (no membership: never)."""
    if membership is None or not membership.is_active:
        return False
    return membership.role in MATRIX[action]


def require(membership: Membership | None, action: Action) -> None:
    """Raise ``Forbidden`` (403 in the desk and the API) unless ``may``."""
    if not may(membership, action):
        raise Forbidden(_("Your role does not allow this."))


def may_end_chat(membership: Membership | None, *, handled_by: int | None) -> bool:
    """An operator ends only the chat they are handling; supervisors end any."""
    if may(membership, Action.END_ANY_CHAT):
        return True
    return (
        membership is not None
        and may(membership, Action.HANDLE_CHATS)
        and handled_by is not None
        and handled_by == membership.user_id
    )


def matrix_table() -> str:
    """The matrix as a Markdown table (in English): docs/permissions.md carries it, and a
    test keeps the two in step."""
    from django.utils import translation

    with translation.override("en"):
        head = ["Action", "What it allows", *(str(role.label) for role in Role)]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for action in Action:
            marks = ["yes" if role in MATRIX[action] else "—" for role in Role]
            lines.append(
                "| " + " | ".join([f"`{action.value}`", str(DESCRIPTIONS[action]), *marks]) + " |"
            )
    return "\n".join(lines) + "\n"


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
