"""Org-scoped reads of the written channels: inbound items, mailboxes, a case's mail trail."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from helpline.cases.models import Case
from helpline.channels.models import Inbound, InboundState, Mailbox, PecReceipt
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
