"""Public reads of the portal: always scoped by the organisation in the URL."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from helpline.cases.choices import MessageDirection
from helpline.cases.models import Case, Message, Subject, Topic
from helpline.customers.selectors import find_customers_by_identifier
from helpline.lib.errors import NotFound
from helpline.notify.services import case_for_status_token
from helpline.portal.models import FormSubmission, PrivacyNotice
from helpline.tenancy.models import Organization


def organization_by_slug(*, slug: str) -> Organization:
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise NotFound(_("No such organisation."))
    return org


def current_notice(
    *, org: Organization, channel: str = "web", language: str | None = None
) -> PrivacyNotice | None:
    """The published notice for ``channel`` in ``language`` (default: the active one): the
    most specific of exact channel and language, channel for every language, every channel
    in the language, every channel and language; the newest version of that one."""
    lang = (language if language is not None else translation.get_language() or "").lower()
    rows = list(
        PrivacyNotice.objects.filter(
            organization=org,
            published_at__isnull=False,
            channel__in=[channel, ""],
            language__in=[lang, lang.split("-")[0], ""],
        ).order_by("-published_at", "-id")
    )

    def rank(n: PrivacyNotice) -> tuple[int, int]:
        return (0 if n.channel else 1, 0 if n.language else 1)

    return min(rows, key=rank) if rows else None  # min keeps the newest among equals


def notices_for(*, org: Organization) -> QuerySet[PrivacyNotice]:
    """Every version of the tenant's notices, drafts first, then by channel and language."""
    return PrivacyNotice.objects.filter(organization=org).order_by(
        "channel", "language", F("published_at").desc(nulls_first=True), "-id"
    )


def get_notice(*, org: Organization, notice_id: int) -> PrivacyNotice:
    notice = PrivacyNotice.objects.filter(organization=org, pk=notice_id).first()
    if notice is None:
        raise NotFound(_("No such privacy notice."))
    return notice


def catalogue(*, org: Organization) -> tuple[list[Topic], list[Subject]]:
    """Active topics and subjects offered on the form (only the topics its settings name,
    when they name any)."""
    from helpline.channels.selectors import webform_topic_ids

    offered = webform_topic_ids(org=org)
    topic_qs = Topic.objects.filter(organization=org, is_active=True)
    subject_qs = Subject.objects.filter(organization=org, is_active=True, topic__is_active=True)
    if offered:
        topic_qs = topic_qs.filter(pk__in=offered)
        subject_qs = subject_qs.filter(topic_id__in=offered)
    return list(topic_qs), list(subject_qs.select_related("topic"))


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


def submissions_since(*, client_ip: str, since: datetime) -> int:
    """How many web forms this client IP sent since ``since``, across organisations (the
    hourly limit protects the installation)."""
    return FormSubmission.objects.filter(client_ip=client_ip, submitted_at__gte=since).count()
