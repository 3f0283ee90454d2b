"""Public reads of the portal: always scoped by the organisation in the URL."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from helpline.cases.choices import MessageDirection
from helpline.cases.models import Case, Message, Subject, Topic
from helpline.customers.selectors import find_customers_by_identifier
from helpline.lib.errors import NotFound
from helpline.notify.services import case_for_status_token
from helpline.portal.models import PrivacyNotice
from helpline.tenancy.models import Organization


def organization_by_slug(*, slug: str) -> Organization:
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise NotFound(_("No such organisation."))
    return org


def current_notice(*, org: Organization) -> PrivacyNotice | None:
    return PrivacyNotice.objects.filter(organization=org).order_by("-published_at", "-id").first()


def catalogue(*, org: Organization) -> tuple[list[Topic], list[Subject]]:
    """Active topics and subjects offered on the form."""
    topics = list(Topic.objects.filter(organization=org, is_active=True))
    subjects = list(
        Subject.objects.filter(
            organization=org, is_active=True, topic__is_active=True
        ).select_related("topic")
    )
    return topics, subjects


def case_for_token(*, org: Organization, token: str) -> Case:
    """The case a signed status link names, if it belongs to ``org`` (else NotFound)."""
    found = case_for_status_token(token)
    if found is None or found[0] != org.pk:
        raise NotFound(_("This link is not valid or has expired."))
    case = Case.objects.filter(organization=org, pk=found[1]).select_related("requester").first()
    if case is None or case.status_link_version != found[2]:
        raise NotFound(_("This link is not valid or has expired."))
    return case


def case_for_status(*, org: Organization, protocol: str, email: str) -> Case | None:
    """The case with this protocol number whose requester has this e-mail, else None (the
    same answer for a wrong number and a wrong address, so neither can be probed)."""
    protocol = protocol.strip().upper()
    if not protocol or not email.strip():
        return None
    customers = find_customers_by_identifier(org=org, email=email)
    return (
        Case.objects.filter(organization=org, protocol_number=protocol, requester__in=customers)
        .select_related("requester")
        .first()
    )


def public_messages(*, case: Case) -> QuerySet[Message]:
    """What the customer may read: their messages and our replies, never internal notes."""
    return Message.objects.filter(
        case=case, direction__in=[MessageDirection.INBOUND, MessageDirection.OUTBOUND]
    ).order_by("created_at", "id")
