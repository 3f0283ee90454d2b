"""Org-scoped reads of the written channels: inbound items, mailboxes, a case's mail trail."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from helpline.cases.models import Case
from helpline.channels.models import (
    ChatSettings,
    Inbound,
    InboundState,
    Mailbox,
    PecReceipt,
    WebFormSettings,
)
from helpline.lib.errors import NotFound
from helpline.tenancy.models import Organization


def inbound_items(*, org: Organization, state: str = "") -> QuerySet[Inbound]:
    """The tenant's inbound items, newest first, without their raw bytes."""
    qs = Inbound.objects.filter(organization=org).defer("raw").select_related("mailbox", "case")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-received_at", "-id")


def get_inbound(*, org: Organization, inbound_id: int, with_raw: bool = False) -> Inbound:
    qs = Inbound.objects.filter(organization=org, pk=inbound_id)
    if not with_raw:
        qs = qs.defer("raw")
    row = qs.first()
    if row is None:
        raise NotFound(_("No such inbound item."))
    return row


def failed_count(*, org: Organization) -> int:
    return Inbound.objects.filter(organization=org, state=InboundState.FAILED).count()


def mailboxes_for(*, org: Organization) -> QuerySet[Mailbox]:
    return Mailbox.objects.filter(organization=org)


def pec_trail(*, case: Case) -> QuerySet[PecReceipt]:
    """The legal trail of a case's PEC messages: receipts, oldest first."""
    return PecReceipt.objects.filter(case=case, organization_id=case.organization_id).order_by(
        "certified_at", "id"
    )


def case_inbound(*, case: Case) -> QuerySet[Inbound]:
    """The raw items that reached this case (to open the original message)."""
    return (
        Inbound.objects.filter(case=case, organization_id=case.organization_id)
        .defer("raw")
        .order_by("received_at", "id")
    )


def get_mailbox(*, org: Organization, mailbox_id: int) -> Mailbox:
    """One of the tenant's mailboxes (another tenant's id: NotFound)."""
    box = (
        Mailbox.objects.filter(organization=org, pk=mailbox_id)
        .select_related("topic", "queue")
        .first()
    )
    if box is None:
        raise NotFound(_("No such mailbox."))
    return box


def mailbox_list(*, org: Organization) -> QuerySet[Mailbox]:
    """The settings screen's list: every mailbox of the tenant with its topic and queue."""
    return (
        Mailbox.objects.filter(organization=org)
        .select_related("topic", "queue")
        .order_by("-is_active", "name", "id")
    )


def chat_settings(*, org: Organization) -> ChatSettings | None:
    return ChatSettings.objects.filter(organization=org).first()


def webform_settings(*, org: Organization) -> WebFormSettings:
    """The tenant's web-form settings; an unsaved row with the defaults when it has none.

    What the portal enforces: ``topics`` (empty: every active topic), ``attachments_allowed``,
    ``max_attachments``, ``max_attachment_bytes``, ``max_per_ip_per_hour`` and
    ``max_per_email_per_hour`` (0: no limit of that kind).
    """
    row = WebFormSettings.objects.filter(organization=org).first()
    if row is None:
        row = WebFormSettings(
            organization=org,
            max_attachment_bytes=settings.HELPLINE_MAX_ATTACHMENT_BYTES,
            max_per_ip_per_hour=settings.HELPLINE_PORTAL_RATE_LIMIT_PER_HOUR,
        )
    return row


def webform_topic_ids(*, org: Organization) -> list[int]:
    """The topics the web form offers (empty: every active topic)."""
    return list(
        WebFormSettings.topics.through.objects.filter(
            webformsettings__organization=org
        ).values_list("topic_id", flat=True)
    )
