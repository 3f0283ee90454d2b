"""The one intake path (ARCHITECTURE rule 3): every written channel ends here.

An adapter (e-mail, PEC, fax, web form, chat, counter) first stores what it received with
``store_raw`` (its own short transaction, so the bytes survive anything that follows), then
turns it into an ``IntakeItem`` and calls ``take_in``, which in one transaction finds or
creates the customer, threads into an existing case or opens a new one with a protocol
number (the case services record the contact events), queues the acknowledgement and marks
the raw row with its outcome.

Threading, in order: a protocol number of the tenant in the subject, then the Message-IDs in
In-Reply-To/References (ours and the customer's). Then:

- an active case: a reply goes onto it as a message; a new request (not a reply) about it is
  a reminder (sollecito): a case of type *reminder* linked to the case it chases, with its
  own protocol number (MISSION C1, C3);
- a resolved or closed case: reopened with the message, or a new case linked to it,
  following the mailbox's ``closed_case_policy``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.cases import services as case_services
from helpline.cases.choices import ACTIVE_STATUSES, CaseType, MessageDirection, Status
from helpline.cases.models import Case, Message
from helpline.cases.services import UploadedFile
from helpline.channels.models import ClosedCasePolicy, Inbound, InboundState, Mailbox
from helpline.customers.models import Customer
from helpline.customers.selectors import find_customers_by_identifier
from helpline.customers.services import create_customer
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.tenancy.models import Organization

#: Tokens that look like a protocol number (PREFIX-YEAR-SEQ, also with slashes).
PROTOCOL_TOKEN = re.compile(r"\b[A-Z0-9]{1,12}[-/]\d{4}[-/]\d{1,12}\b")
#: Subject prefixes of replies in the languages we serve (Re, R, RE, Odp, Res, AW, SV...).
REPLY_PREFIX = re.compile(r"^\s*(re|r|ris|odp|res|aw|sv|vs|antw)\s*(\[\d+\])?\s*:", re.I)


@dataclass(frozen=True)
class Contact:
    """Who wrote, as far as the channel knows."""

    name: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""


@dataclass(frozen=True)
class IntakeItem:
    """What an adapter hands to ``take_in``: the same shape for every channel."""

    channel: str
    contact: Contact
    title: str
    body: str
    attachments: Sequence[UploadedFile] = ()
    topic_id: int | None = None
    subject_id: int | None = None
    queue_id: int | None = None
    case_type: str = CaseType.INFORMATION
    level: str = "l1"
    #: Protocol-number-looking tokens (the subject, say) to thread by.
    thread_text: str = ""
    #: Message-IDs from In-Reply-To and References.
    reply_to: Sequence[str] = ()
    #: The item answers an earlier one (a "Re:" subject, a known In-Reply-To).
    is_reply: bool = False
    #: Add to this case (a customer's message from the status page, a chat line).
    case_id: int | None = None
    #: A customer the operator picked (the counter form); checked against the tenant.
    requester_id: int | None = None
    closed_case_policy: str = ClosedCasePolicy.REOPEN
    #: Acknowledge a new case by e-mail (when the customer has an address).
    acknowledge: bool = True
    #: The customer's Message-ID, so the acknowledgement threads under their mail.
    message_id: str = ""
    #: The address our answers come from (the mailbox written to); default: the tenant's.
    reply_from: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IntakeResult:
    state: str
    case: Case
    message: Message | None
    customer: Customer | None


def dedupe_key_for(raw: bytes, message_id: str) -> str:
    """The Message-ID when there is one, else a hash of the bytes."""
    if message_id:
        return message_id[:255]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def store_raw(
    *,
    org: Organization,
    channel: str,
    source: str,
    raw: bytes,
    message_id: str = "",
    sender: str = "",
    subject: str = "",
    mailbox: Mailbox | None = None,
    now: datetime | None = None,
) -> tuple[Inbound, bool]:
    """Store the raw bytes before anything else (its own transaction, committed at once).

    Returns the row and whether it is new: the same Message-ID delivered twice (two polls,
    a poll and a relay, a worker killed after storing) comes back as the existing row.
    """
    key = dedupe_key_for(raw, message_id)
    # Insert first and let the unique constraint answer "seen before?": one round trip for
    # the usual new message instead of a look-up and an insert.
    try:
        with transaction.atomic():
            row = Inbound.objects.create(
                organization=org,
                mailbox=mailbox,
                channel=channel,
                source=source,
                dedupe_key=key,
                message_id=message_id[:255],
                raw=raw,
                size=len(raw),
                sender=sender[:255],
                subject=subject[:255],
                received_at=now or timezone.now(),
            )
    except IntegrityError:  # delivered before (or stored concurrently by another worker)
        return Inbound.objects.defer("raw").get(organization=org, dedupe_key=key), False
    return row, True


def find_or_create_customer(
    *, org: Organization, actor: Actor, contact: Contact
) -> Customer | None:
    """The customer with this e-mail (else phone); a new one when there is none.

    A malformed address or number is left out of the new customer rather than refusing the
    message: the raw input keeps it for the operator.
    """
    email = contact.email.strip().lower()
    if email:
        found = find_customers_by_identifier(org=org, email=email).first()
        if found is not None:
            return found
    if contact.phone:
        found = find_customers_by_identifier(org=org, phone=contact.phone).first()
        if found is not None:
            return found
    name = contact.name.strip() or email or contact.phone.strip()
    if not name:
        return None
    values: dict[str, str] = {"email": email, "phone": contact.phone.strip()}
    for _attempt in range(3):
        try:
            # No savepoint needed: create_customer validates before it writes anything.
            return create_customer(
                org=org,
                actor=actor,
                name=name,
                language=contact.language,
                email=values["email"],
                phone=values["phone"],
            )
        except FieldValidationError as exc:
            dropped = [k for k in values if k in exc.errors and values[k]]
            if not dropped:
                raise
            for key in dropped:
                values[key] = ""
    return None


def find_thread(*, org: Organization, item: IntakeItem) -> tuple[Case | None, bool]:
    """The case the item belongs to, and whether a known Message-ID said so."""
    if item.case_id is not None:
        return Case.objects.filter(organization=org, pk=item.case_id).first(), True
    tokens = [t.replace("/", "-") for t in PROTOCOL_TOKEN.findall(item.thread_text.upper())]
    if tokens:
        case = Case.objects.filter(organization=org, protocol_number__in=tokens[:5]).first()
        if case is not None:
            return case, _known_reply(org, item.reply_to) is not None
    found = _known_reply(org, item.reply_to)
    return found, found is not None


def _known_reply(org: Organization, ids: Sequence[str]) -> Case | None:
    from helpline.notify.models import OutboundEmail

    ids = [i for i in ids if i][-20:]
    if not ids:
        return None
    ours = OutboundEmail.objects.filter(organization=org, message_id__in=ids).select_related("case")
    for out in ours.order_by("-id")[:1]:
        return out.case
    theirs = (
        Inbound.objects.filter(organization=org, message_id__in=ids, case__isnull=False)
        .select_related("case")
        .defer("raw", "case__description")
        .order_by("-id")
    )
    for inbound in theirs[:1]:
        return inbound.case
    return None


def take_in(
    *,
    org: Organization,
    item: IntakeItem,
    inbound: Inbound | None = None,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> IntakeResult:
    """Turn one received item into a case or a message on a case (one transaction).

    Joins the caller's transaction without a savepoint of its own (a round trip each on
    the hot path): a caller that wants to survive a failure here wraps it in its own
    ``atomic()``, as ``process_inbound`` does.
    """
    with transaction.atomic(savepoint=False):
        return _take_in(org=org, item=item, inbound=inbound, actor=actor, now=now)


def _take_in(
    *,
    org: Organization,
    item: IntakeItem,
    inbound: Inbound | None,
    actor: Actor | None,
    now: datetime | None,
) -> IntakeResult:
    from helpline.notify import services as notify

    now = now or timezone.now()
    system = actor or Actor.system(f"intake:{item.channel}")
    case, via_reply = find_thread(org=org, item=item)
    customer: Customer | None
    if item.requester_id is not None:
        customer = Customer.objects.filter(organization=org, pk=item.requester_id).first()
        if customer is None:
            raise FieldValidationError(requester=_("No such customer."))
    elif item.case_id is not None and case is not None and case.requester_id is not None:
        customer = case.requester  # the status page or a chat: the requester writes
    else:
        customer = find_or_create_customer(org=org, actor=system, contact=item.contact)
    acting = actor or (Actor.for_customer(customer) if customer else system)
    is_reply = via_reply or item.is_reply or bool(REPLY_PREFIX.match(item.title))
    body = item.body.strip() or _("(no text)")
    message: Message | None = None
    if case is not None and case.status in ACTIVE_STATUSES and (is_reply or item.case_id):
        state = InboundState.ADDED
        message = _add(case=case, actor=acting, item=item, body=body, now=now)
    elif case is not None and case.status in ACTIVE_STATUSES:
        # A new request about a case still open: a reminder (sollecito) chasing it.
        state = InboundState.CASE_OPENED
        case = _open(
            org=org,
            actor=acting,
            item=item,
            body=body,
            customer=customer,
            now=now,
            case_type=CaseType.REMINDER,
            related=case,
        )
    elif case is not None and item.closed_case_policy == ClosedCasePolicy.REOPEN:
        state = InboundState.ADDED
        if case.status in (Status.RESOLVED, Status.CLOSED):
            case = case_services.change_status(
                case=case, actor=acting, status=Status.REOPENED, now=now
            )
        message = _add(case=case, actor=acting, item=item, body=body, now=now)
    elif case is not None:
        state = InboundState.CASE_OPENED
        case = _open(
            org=org,
            actor=acting,
            item=item,
            body=body,
            customer=customer,
            now=now,
            case_type=item.case_type,
            related=case,
        )
    else:
        state = InboundState.CASE_OPENED
        case = _open(org=org, actor=acting, item=item, body=body, customer=customer, now=now)
    if customer is not None and case.requester_id == customer.pk:
        case.requester = customer  # spare the acknowledgement a look-up
    if state == InboundState.CASE_OPENED and item.acknowledge:
        notify.queue_acknowledgement(
            case=case,
            in_reply_to=item.message_id,
            now=now,
            from_address=item.reply_from,
            to_address=(customer.email if customer else "") or item.contact.email,
            new_thread=True,
        )
    if inbound is not None:
        Inbound.objects.filter(pk=inbound.pk).update(
            state=state,
            case=case,
            case_message=message,
            processed_at=now,
            reason="",
            error="",
        )
    return IntakeResult(state=state, case=case, message=message, customer=customer)


def _open(
    *,
    org: Organization,
    actor: Actor,
    item: IntakeItem,
    body: str,
    customer: Customer | None,
    now: datetime,
    case_type: str | None = None,
    related: Case | None = None,
) -> Case:
    from helpline.notify.services import acknowledgement_by_caller

    title = (item.title or "").strip() or _("(no subject)")
    with acknowledgement_by_caller():
        return case_services.open_case(
            org=org,
            actor=actor,
            channel=item.channel,
            case_type=case_type or item.case_type,
            title=title[:200],
            description=body,
            topic_id=item.topic_id if related is None else related.topic_id,
            subject_id=item.subject_id if related is None else related.subject_id,
            queue_id=item.queue_id,
            level=item.level,
            requester_id=customer.pk if customer else None,
            related_case_id=related.pk if related else None,
            attachments=item.attachments,
            now=now,
        )


def _add(*, case: Case, actor: Actor, item: IntakeItem, body: str, now: datetime) -> Message:
    return case_services.add_message(
        case=case,
        actor=actor,
        direction=MessageDirection.INBOUND,
        body=body,
        channel=item.channel,
        attachments=item.attachments,
        now=now,
    )


def mark_ignored(*, inbound: Inbound, reason: str, now: datetime | None = None) -> None:
    """Record that an item was deliberately not turned into a case, and why."""
    Inbound.objects.filter(pk=inbound.pk).update(
        state=InboundState.IGNORED, reason=reason[:255], processed_at=now or timezone.now()
    )


def mark_failed(*, inbound: Inbound, error: str, now: datetime | None = None) -> None:
    """Flag an item that could not be processed; it stays for an operator to open."""
    Inbound.objects.filter(pk=inbound.pk).update(
        state=InboundState.FAILED, error=error[:4000], processed_at=now or timezone.now()
    )
