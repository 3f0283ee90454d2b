"""The sections of a tenant's settings area, in the order the side menu shows them.

Each screen of the settings area registers here: its URL name (in the ``configuration``
namespace unless it names its own), its label, its group and the permission-matrix action a
member needs to open it. The index page and the side menu show only what the member may
open; the views check the same action again (``require``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from helpline.tenancy.models import Membership
from helpline.tenancy.permissions import Action, may


@dataclass(frozen=True)
class Group:
    key: str
    label: str | Promise


@dataclass(frozen=True)
class Section:
    url_name: str
    label: str | Promise
    group: str
    action: Action
    help: str | Promise = ""


GROUPS = [
    Group("organisation", _("Organisation")),
    Group("channels", _("Channels")),
    Group("catalogue", _("Catalogue")),
    Group("routing", _("Routing")),
    Group("service_levels", _("Service levels")),
]

#: Every screen of the settings area. Helpers of each area append their sections here.
SECTIONS: list[Section] = [
    Section(
        "configuration:users",
        _("Users and access"),
        "organisation",
        Action.MANAGE_USERS,
        _("Invite people, change roles, deactivate members, reset passwords, API tokens."),
    ),
    Section(
        "configuration:retention",
        _("Data retention"),
        "organisation",
        Action.CHANGE_RETENTION,
        _("How long inactive customers are kept before they are pseudonymised."),
    ),
    Section(
        "configuration:notifications",
        _("Customer notifications"),
        "channels",
        Action.MANAGE_TEMPLATES,
        _("Which status changes are told to customers, by e-mail or SMS."),
    ),
    # channels
    Section(
        "configuration:mailboxes",
        _("Mailboxes"),
        "channels",
        Action.MANAGE_CHANNELS,
        _("E-mail, PEC and fax-to-mail addresses: IMAP in, SMTP out, where their cases go."),
    ),
    Section(
        "configuration:chat",
        _("Chat"),
        "channels",
        Action.MANAGE_CHANNELS,
        _("On or off, opening hours and greetings."),
    ),
    Section(
        "configuration:webform",
        _("Web form"),
        "channels",
        Action.MANAGE_CHANNELS,
        _("Topics offered, attachments and abuse limits."),
    ),
    Section(
        "configuration:notices",
        _("Privacy notices"),
        "channels",
        Action.MANAGE_CHANNELS,
        _("Versions per channel and language, shown where customers contact you."),
    ),
    Section(
        "configuration:mail_templates",
        _("Mail templates"),
        "channels",
        Action.MANAGE_TEMPLATES,
        _("Acknowledgements and replies per language, with a preview."),
    ),
    # routing (the screen lives in the routing app, under its own namespace)
    Section(
        "routing:rules",
        _("Routing rules"),
        "routing",
        Action.MANAGE_ROUTING,
        _("Which queue every new or reclassified case goes to; the default queue."),
    ),
]


def visible_sections(membership: Membership) -> list[tuple[Group, list[Section]]]:
    """The groups with the sections this member may open, empty groups left out."""
    out = []
    for group in GROUPS:
        items = [s for s in SECTIONS if s.group == group.key and may(membership, s.action)]
        if items:
            out.append((group, items))
    return out
