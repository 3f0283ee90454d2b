"""The one intake path (ARCHITECTURE rule 3): every written channel ends here.

An adapter (e-mail, PEC, fax, web form, chat, counter) first stores what it received with
``store_raw``/``store_raw_batch`` (its own short transaction, so the bytes survive anything
that follows), then turns it into an ``IntakeItem`` and calls ``take_in``, which in one
transaction finds or creates the customer, threads into an existing case or opens a new one
with a protocol number (the case services record the contact events), queues the
acknowledgement and marks the raw row with its outcome.

Mail comes in batches (the IMAP poller, concurrent SMTP deliveries, recovery): the batch's
raw rows go in with one INSERT, and its items through ``take_in`` one after the other in
one transaction (with a savepoint each when one of them fails: see
``channels.email.adapter.process_batch``), sharing ``Lookups`` (the batch's senders,
protocol numbers and Message-IDs read up front, kept true as each item lands) and
``BatchWrites`` (acknowledgements and outcomes written once at the end). Without them,
``take_in`` is the same code for a batch of one.

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
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.cases import protocol
from helpline.cases import services as case_services
from helpline.cases.choices import ACTIVE_STATUSES, CaseType, MessageDirection, Status
from helpline.cases.models import Case, Message
from helpline.cases.services import UploadedFile
from helpline.channels.models import ClosedCasePolicy, Inbound, InboundState, Mailbox
from helpline.channels.text import clean_line, clean_text
from helpline.customers.models import Customer
from helpline.customers.services import create_customer
from helpline.lib import bulk, deferred
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.notify.models import MailTemplate, TemplateKind
from helpline.tenancy.models import Organization

log = logging.getLogger(__name__)

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
    #: Where the acknowledgement goes when not to the customer's address (the mail's
    #: Reply-To, when the e-mail adapter's rule allows it).
    answer_to: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IntakeResult:
    state: str
    case: Case
    message: Message | None
    customer: Customer | None


def dedupe_key_for(raw: bytes, message_id: str, digest: str = "") -> str:
    """What makes two deliveries one message: its Message-ID *and* a digest of its content
    (``digest``, by default of the bytes), so that distinct messages reusing a Message-ID
    are all kept; a digest alone when there is no Message-ID. Fixed length whatever the
    length of the Message-ID."""
    digest = digest or hashlib.sha256(raw).hexdigest()
    if message_id:
        both = message_id.encode("utf-8", "surrogatepass") + b"\n" + digest.encode()
        return "id+sha256:" + hashlib.sha256(both).hexdigest()
    return "sha256:" + digest


@dataclass(frozen=True)
class RawItem:
    """One received item to store raw (``store_raw_batch``)."""

    org: Organization
    channel: str
    source: str
    raw: bytes
    message_id: str = ""
    sender: str = ""
    subject: str = ""
    mailbox: Mailbox | None = None
    #: The content digest for the de-duplication (``dedupe_key_for``); default: the bytes'.
    digest: str = ""


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
    """Store the raw bytes before anything else (a batch of one, see ``store_raw_batch``)."""
    item = RawItem(org, channel, source, raw, message_id, sender, subject, mailbox)
    return store_raw_batch([item], now=now)[0]


def store_raw_batch(
    items: Sequence[RawItem], *, now: datetime | None = None
) -> list[tuple[Inbound, bool]]:
    """Store received items raw before anything else: one ``INSERT`` for the batch, in its
    own transaction, committed on return (ARCHITECTURE rule 8).

    Returns (row, is_new) per item, in order: the same message delivered twice (two
    polls, a poll and a relay, a worker killed after storing, twice in one batch: the
    same Message-ID and the same content) comes back as the one stored row; each such drop
    is logged and noted on the stored row (``flags["duplicates"]``).
    """
    now = now or timezone.now()
    keys = [(item.org.pk, dedupe_key_for(item.raw, item.message_id, item.digest)) for item in items]
    first: dict[tuple[int, str], int] = {}
    for index, key in enumerate(keys):
        first.setdefault(key, index)
    existing: dict[tuple[int, str], Inbound] = {}
    created: dict[tuple[int, str], Inbound] = {}
    for attempt in range(3):
        # Insert first and let the unique constraint answer "seen before?": one round trip
        # for a batch of new messages. Only when that fails are the stored ones looked up.
        if attempt:
            existing = _stored(list(first))
        rows = {
            key: _raw_row(items[index], key[1], now)
            for key, index in first.items()
            if key not in existing
        }
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    bulk.insert_rows(Inbound, list(rows.values()))  # binary: no unnest there
                else:
                    Inbound.objects.bulk_create(list(rows.values()))
        except IntegrityError:  # stored before, or concurrently by another worker
            continue
        created = rows
        break
    else:
        raise IntegrityError("inbound items could not be stored")
    out: list[tuple[Inbound, bool]] = []
    dropped: list[tuple[Inbound, RawItem]] = []
    for index, key in enumerate(keys):
        if key in created:
            out.append((created[key], first[key] == index))
        else:
            out.append((existing[key], False))
        if not out[-1][1]:
            dropped.append((out[-1][0], items[index]))
    if dropped:
        _note_duplicates(dropped, now)
    return out


def _note_duplicates(dropped: Sequence[tuple[Inbound, RawItem]], now: datetime) -> None:
    """Log each delivery dropped as a duplicate and note it on the row it duplicates (at
    most the last 20 per row): a drop is never silent."""
    for row, item in dropped:
        log.info(
            "dropped a duplicate of inbound %s (%s, Message-ID %r, same content) from %s",
            row.pk,
            item.channel,
            item.message_id[:200],
            item.source,
        )
        notes = list((row.flags or {}).get("duplicates", []))
        notes.append(
            {
                "at": now.isoformat(),
                "source": item.source,
                "reason": "same Message-ID and content" if item.message_id else "same content",
            }
        )
        row.flags = {**(row.flags or {}), "duplicates": notes[-20:]}
        Inbound.objects.filter(pk=row.pk).update(flags=row.flags)


def _raw_row(item: RawItem, key: str, now: datetime) -> Inbound:
    # Derived text columns cleaned (PostgreSQL refuses NUL in text); the bytes as they came.
    return Inbound(
        organization=item.org,
        mailbox=item.mailbox,
        channel=item.channel,
        source=item.source,
        dedupe_key=key,
        message_id=clean_line(item.message_id),
        raw=item.raw,
        size=len(item.raw),
        sender=clean_line(item.sender, 255),
        subject=clean_line(item.subject, 255),
        received_at=now,
    )


def _stored(keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], Inbound]:
    by_org: dict[int, list[str]] = {}
    for org_id, key in keys:
        by_org.setdefault(org_id, []).append(key)
    where = Q()
    for org_id, org_keys in by_org.items():
        where |= Q(organization_id=org_id, dedupe_key__in=org_keys)
    rows = Inbound.objects.defer("raw").filter(where)
    return {(row.organization_id, row.dedupe_key): row for row in rows}


class Lookups:
    """What the intake reads for each item, read for a whole batch in a few queries.

    ``prefetch`` reads, for all items of a batch at once, the customers of their senders
    (one query), the cases their protocol numbers name (one) and the messages their
    In-Reply-To/References name (ours and the customer's: one each, plus one for the cases
    found). The per-item answers are then the same as one look-up per item would give:
    what a message of the batch changes (a customer created, a case reopened or given a
    message, a Message-ID now on a case) is forgotten or learnt (``learn``) before the next
    one is taken in, and anything not prefetched is looked up on demand. A single item is a
    batch of one.

    The cases are read under their row lock (``_locked_cases``), so the services change the
    very objects read here (``add_message(locked=True)``) instead of reading each case again
    under its lock, and the objects stay true for the next item of the batch. The cases'
    SLA clocks are read with them, in one query (``sla.services.prefetch_clocks``).
    """

    def __init__(self, org: Organization) -> None:
        self.org = org
        self._customers: dict[str, Customer | None] = {}
        self._protocols: dict[str, int | None] = {}
        #: Message-ID -> (row id, case id) of ours (outbox) and theirs (inbound on a case).
        self._ours: dict[str, tuple[int, int | None] | None] = {}
        self._theirs: dict[str, tuple[int, int] | None] = {}
        self._cases: dict[int, Case | None] = {}
        self._templates: dict[str, dict[str, MailTemplate]] = {}
        #: Customers created in this batch by stored contact value: their contact points
        #: are inserted when the batch ends (``lib.deferred``), so they are found here.
        self._created: dict[str, Customer] = {}
        self._creating: list[Customer] = []
        #: Cases opened in this batch.
        self._opened: set[int] = set()

    # --- reading ahead ----------------------------------------------------------------

    def prefetch(self, items: Sequence[IntakeItem]) -> None:
        contacts: set[str] = set()
        tokens: set[str] = set()
        ids: set[str] = set()
        for item in items:
            if item.case_id is not None or item.requester_id is not None:
                continue
            contacts.update(self._contact_keys(item.contact))
            tokens.update(_protocol_tokens(item.thread_text))
            ids.update(_reply_ids(item.reply_to))
        self._read_customers(contacts)
        self._read_protocols(tokens)
        self._read_ids(ids)
        self._read_cases(
            {v[1] for v in (*self._ours.values(), *self._theirs.values()) if v and v[1]}
        )

    def _contact_keys(self, contact: Contact) -> list[str]:
        keys = []
        email = contact.email.strip().lower()
        if email:
            keys.append("e:" + email)
        if contact.phone:
            keys.append("p:" + contact.phone)
        return keys

    def _read_customers(self, keys: set[str]) -> None:
        keys -= self._customers.keys()
        if not keys:
            return
        from helpline.customers.selectors import contact_value, customers_by_contact_values

        stored: dict[str, str] = {}
        for key in keys:
            kind, text = key[:2], key[2:]
            if kind == "e:":
                stored[key] = contact_value(org=self.org, email=text)
            else:
                stored[key] = contact_value(org=self.org, phone=text)
        found = customers_by_contact_values(
            org=self.org, values=[v for v in stored.values() if v not in self._created]
        )
        for key, value in stored.items():
            self._customers[key] = (self._created.get(value) or found.get(value)) if value else None

    def created(self, customer: Customer) -> None:
        """A customer the item being taken in created (known once ``learn`` is told it
        landed)."""
        self._creating.append(customer)

    def _read_protocols(self, tokens: set[str]) -> None:
        tokens -= self._protocols.keys()
        if not tokens:
            return
        rows = _locked_cases().filter(organization=self.org, protocol_number__in=sorted(tokens))
        for case in rows:
            case.organization = self.org  # the services read its time zone
            self._protocols[case.protocol_number] = case.pk
            self._cases[case.pk] = case
        for token in tokens:
            self._protocols.setdefault(token, None)

    def _read_ids(self, ids: set[str]) -> None:
        from helpline.notify.models import OutboundEmail

        ours = ids - self._ours.keys()
        if ours:
            got: dict[str, tuple[int, int | None]] = {}
            for mid, pk, case_id in OutboundEmail.objects.filter(
                organization=self.org, message_id__in=sorted(ours)
            ).values_list("message_id", "pk", "case_id"):
                if mid not in got or pk > got[mid][0]:
                    got[mid] = (pk, case_id)
            for mid in ours:
                self._ours[mid] = got.get(mid)
        theirs = ids - self._theirs.keys()
        if theirs:
            seen: dict[str, tuple[int, int]] = {}
            for mid, pk, case_id in Inbound.objects.filter(
                organization=self.org, message_id__in=sorted(theirs), case__isnull=False
            ).values_list("message_id", "pk", "case_id"):
                if mid not in seen or pk > seen[mid][0]:
                    seen[mid] = (pk, case_id)
            for mid in theirs:
                self._theirs[mid] = seen.get(mid)

    def _read_cases(self, ids: set[int]) -> None:
        ids -= self._cases.keys()
        if not ids:
            return
        rows = _locked_cases().filter(organization=self.org, pk__in=sorted(ids))
        for case in rows:
            case.organization = self.org  # the services read its time zone
            self._cases[case.pk] = case
        for pk in ids:
            self._cases.setdefault(pk, None)

    def case_ids(self) -> list[int]:
        """The cases read so far (locked)."""
        return [pk for pk, case in self._cases.items() if case is not None]

    # --- answering ----------------------------------------------------------------------

    def customer(self, contact: Contact) -> Customer | None:
        """The customer with this e-mail (else phone), as ``find_customers_by_identifier``."""
        keys = self._contact_keys(contact)
        self._read_customers(set(keys))
        for key in keys:
            found = self._customers.get(key)
            if found is not None:
                return found
        return None

    def mail_templates(self, kind: str) -> dict[str, MailTemplate]:
        """The tenant's mail templates of ``kind`` by language (read once a batch)."""
        if kind not in self._templates:
            from helpline.notify.services import mail_templates

            self._templates[kind] = mail_templates(org_id=self.org.pk, kind=kind)
        return self._templates[kind]

    def case(self, pk: int | None) -> Case | None:
        if pk is None:
            return None
        self._read_cases({pk})
        return self._cases.get(pk)

    def by_protocol(self, text: str) -> Case | None:
        tokens = _protocol_tokens(text)
        self._read_protocols(set(tokens))
        pks = [pk for t in tokens if (pk := self._protocols.get(t)) is not None]
        return self.case(min(pks)) if pks else None  # ``first()``: the lowest id

    def known_reply(self, ids: Sequence[str]) -> Case | None:
        """The case of the latest of our messages, else of theirs, named in ``ids``."""
        wanted = set(_reply_ids(ids))
        if not wanted:
            return None
        self._read_ids(wanted)
        ours = [v for i in wanted if (v := self._ours.get(i))]
        if ours:
            return self.case(max(ours)[1])
        theirs = [v for i in wanted if (v := self._theirs.get(i))]
        if theirs:
            return self.case(max(theirs)[1])
        return None

    # --- after each item ----------------------------------------------------------------

    def learn(
        self,
        *,
        item: IntakeItem | None,
        result: IntakeResult | None,
        inbound: Inbound | None,
        rolled_back: bool = False,
    ) -> None:
        """Bring the answers up to date after an item was taken in, ignored (no
        ``result``) or rolled back."""
        creating, self._creating = self._creating, []
        if result is not None and not rolled_back:
            for customer in creating:
                for value in (customer.email, customer.phone):
                    if value:
                        self._created[value] = customer
        if item is not None:
            for key in self._contact_keys(item.contact):
                if self._customers.get(key) is None:
                    self._customers.pop(key, None)  # perhaps created now: read again
        if rolled_back:
            # What the services changed in place on the cases read is undone: read them
            # again. Not the batch's new ones: they are rows still to be inserted (an
            # update time moved by the rolled-back message is all it could leave on them).
            self._cases = {pk: c for pk, c in self._cases.items() if pk in self._opened}
        elif result is not None and result.state == InboundState.CASE_OPENED:
            # Created in this transaction: nobody else sees it, let alone changes it; its
            # row may wait for the end of the batch (``lib.deferred``), so it is known here.
            self._cases[result.case.pk] = result.case
            self._opened.add(result.case.pk)
        elif result is not None and self._cases.get(result.case.pk) is not result.case:
            # Read again by a service (reopened, say): read it again if asked.
            self._cases.pop(result.case.pk, None)
        if result is not None and result.state == InboundState.CASE_OPENED and not rolled_back:
            self._protocols[result.case.protocol_number] = result.case.pk
        if inbound is not None and inbound.message_id:
            mid = inbound.message_id
            if result is not None:
                self._theirs[mid] = (inbound.pk, result.case.pk)
            else:
                self._theirs.pop(mid, None)


def _locked_cases() -> Any:
    """Cases read to thread into, locked as ``cases.services`` would lock each one before
    changing it (in id order, so that two batches lock their common cases in the same
    order; SQLite's write lock covers it there)."""
    return Case.objects.select_for_update().defer("description").order_by("pk")


class BatchWrites:
    """Writes of a batch's messages that hand nothing back to the intake: the rows the
    services defer (``lib.deferred``: audit entries, contact events, acknowledgements, new
    customers' contact points and search index, on PostgreSQL the cases, messages and
    customers) and the inbound rows' outcomes, inserted and updated once for the whole batch
    at its end, in its transaction (``flush``). What a message staged is dropped with it
    when its savepoint is rolled back (``checkpoint``/``rollback``), and the protocol number
    it took goes back to the batch's block (``cases.protocol``)."""

    def __init__(self) -> None:
        self.outcomes: dict[int, dict[str, Any]] = {}
        #: The deferred rows (``lib.deferred.deferred``), inserted with the outcomes.
        self.rows: list[deferred.Pending] = []

    def checkpoint(self) -> tuple[int, Any]:
        return len(self.rows), protocol.mark()

    def rollback(self, mark: tuple[int, Any], inbound_pk: int) -> None:
        del self.rows[mark[0] :]
        protocol.rewind(mark[1])  # its protocol number is free again
        self.outcomes.pop(inbound_pk, None)

    def outcome(self, inbound_pk: int, **values: Any) -> None:
        self.outcomes[inbound_pk] = values

    def flush(self) -> None:
        deferred.flush(self.rows)
        groups: dict[tuple[str, ...], dict[int, dict[str, Any]]] = {}
        for pk, values in self.outcomes.items():
            groups.setdefault(tuple(sorted(values)), {})[pk] = values
        for fields, rows in groups.items():
            bulk.update_rows(Inbound, fields, rows)
        self.outcomes = {}


def _record(inbound: Inbound, writes: BatchWrites | None, **values: Any) -> None:
    if writes is not None:
        writes.outcome(inbound.pk, **values)
    else:
        Inbound.objects.filter(pk=inbound.pk).update(**values)


def _protocol_tokens(text: str) -> list[str]:
    return [t.replace("/", "-") for t in PROTOCOL_TOKEN.findall(text.upper())][:5]


def _reply_ids(ids: Sequence[str]) -> list[str]:
    return [i for i in ids if i][-20:]


def find_or_create_customer(
    *, org: Organization, actor: Actor, contact: Contact, lookups: Lookups | None = None
) -> Customer | None:
    """The customer with this e-mail (else phone); a new one when there is none.

    A malformed address or number is left out of the new customer rather than refusing the
    message: the raw input keeps it for the operator.
    """
    lookups = lookups or Lookups(org)
    found = lookups.customer(contact)
    if found is not None:
        return found
    email = contact.email.strip().lower()
    name = contact.name.strip() or email or contact.phone.strip()
    if not name:
        return None
    values: dict[str, str] = {"email": email, "phone": contact.phone.strip()}
    for _attempt in range(3):
        try:
            # No savepoint needed: create_customer validates before it writes anything.
            customer = create_customer(
                org=org,
                actor=actor,
                name=name,
                language=contact.language,
                email=values["email"],
                phone=values["phone"],
            )
            lookups.created(customer)
            return customer
        except FieldValidationError as exc:
            dropped = [k for k in values if k in exc.errors and values[k]]
            if not dropped:
                raise
            for key in dropped:
                values[key] = ""
    return None


def find_thread(
    *, org: Organization, item: IntakeItem, lookups: Lookups | None = None
) -> tuple[Case | None, bool]:
    """The case the item belongs to, and whether a known Message-ID said so."""
    if item.case_id is not None:
        return Case.objects.filter(organization=org, pk=item.case_id).first(), True
    lookups = lookups or Lookups(org)
    case = lookups.by_protocol(item.thread_text)
    if case is not None:
        return case, lookups.known_reply(item.reply_to) is not None
    found = lookups.known_reply(item.reply_to)
    return found, found is not None


def take_in(
    *,
    org: Organization,
    item: IntakeItem,
    inbound: Inbound | None = None,
    actor: Actor | None = None,
    now: datetime | None = None,
    lookups: Lookups | None = None,
    writes: BatchWrites | None = None,
) -> IntakeResult:
    """Turn one received item into a case or a message on a case (one transaction).

    Joins the caller's transaction without a savepoint of its own (a round trip each on
    the hot path): a caller that wants to survive a failure here wraps it in its own
    ``atomic()``, as ``process_batch`` does per message. ``lookups`` are those of the
    caller's batch (``Lookups``); without them the item is a batch of one. The caller
    calls ``lookups.learn`` after its savepoint is released or rolled back. With
    ``writes`` the acknowledgement and the inbound row's outcome are staged there for the
    caller to flush with the rest of its batch; without, they are written at once.
    """
    with transaction.atomic(savepoint=False):
        return _take_in(
            org=org,
            item=item,
            inbound=inbound,
            actor=actor,
            now=now,
            lookups=lookups or Lookups(org),
            writes=writes,
        )


def _take_in(
    *,
    org: Organization,
    item: IntakeItem,
    inbound: Inbound | None,
    actor: Actor | None,
    now: datetime | None,
    lookups: Lookups,
    writes: BatchWrites | None,
) -> IntakeResult:
    from helpline.notify import services as notify

    now = now or timezone.now()
    system = actor or Actor.system(f"intake:{item.channel}")
    case, via_reply = find_thread(org=org, item=item, lookups=lookups)
    # A case the look-ups found is locked (``Lookups``); one named by id is not yet.
    locked = item.case_id is None
    is_reply = via_reply or item.is_reply or bool(REPLY_PREFIX.match(item.title))
    active = case is not None and case.status in ACTIVE_STATUSES
    adds = case is not None and (
        (is_reply or item.case_id is not None)
        if active
        else item.closed_case_policy == ClosedCasePolicy.REOPEN
    )
    customer: Customer | None
    sender: case_services.MessageSender | None = None
    if item.requester_id is not None:
        customer = Customer.objects.filter(organization=org, pk=item.requester_id).first()
        if customer is None:
            raise FieldValidationError(requester=_("No such customer."))
    elif item.case_id is not None and case is not None and case.requester_id is not None:
        customer = case.requester  # the status page or a chat: the requester writes
    elif adds and item.case_id is None:
        # Mail onto a case: written by whoever sent it, the requester or someone else (a
        # colleague, a relative). Someone else is recorded as the message's sender, not
        # made a customer of their own.
        customer = lookups.customer(item.contact)
        sender = case_services.MessageSender(
            email=clean_line(item.contact.email, 254),
            name=clean_line(item.contact.name, 200),
            customer_id=customer.pk if customer else None,
        )
    else:
        customer = find_or_create_customer(
            org=org, actor=system, contact=item.contact, lookups=lookups
        )
    acting = actor or (Actor.for_customer(customer) if customer else system)
    body = clean_text(item.body).strip() or _("(no text)")
    message: Message | None = None
    if case is not None and active and adds:
        state = InboundState.ADDED
        message = _add(
            case=case, actor=acting, item=item, body=body, now=now, locked=locked, sender=sender
        )
    elif case is not None and active:
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
    elif case is not None and adds:
        state = InboundState.ADDED
        if case.status in (Status.RESOLVED, Status.CLOSED):
            case = case_services.change_status(
                case=case, actor=acting, status=Status.REOPENED, now=now
            )
            locked = True  # change_status read it again under its lock
        message = _add(
            case=case, actor=acting, item=item, body=body, now=now, locked=locked, sender=sender
        )
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
        ack = notify.queue_acknowledgement(
            case=case,
            in_reply_to=item.message_id,
            now=now,
            from_address=item.reply_from,
            to_address=item.answer_to or (customer.email if customer else "") or item.contact.email,
            new_thread=True,
            templates=lookups.mail_templates(TemplateKind.ACKNOWLEDGEMENT),
            save=writes is None,
        )
        if writes is not None and ack is not None:
            deferred.insert(ack)  # with the batch's other rows (the sender loop reads them)
    if inbound is not None:
        _record(
            inbound,
            writes,
            state=state,
            case_id=case.pk,
            case_message_id=message.pk if message else None,
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
            requester=customer,
            related_case=related,
            attachments=item.attachments,
            now=now,
        )


def _add(
    *,
    case: Case,
    actor: Actor,
    item: IntakeItem,
    body: str,
    now: datetime,
    locked: bool,
    sender: case_services.MessageSender | None,
) -> Message:
    return case_services.add_message(
        case=case,
        actor=actor,
        direction=MessageDirection.INBOUND,
        body=body,
        channel=item.channel,
        attachments=item.attachments,
        now=now,
        locked=locked,
        sender=sender,
    )


def mark_ignored(
    *,
    inbound: Inbound,
    reason: str,
    now: datetime | None = None,
    writes: BatchWrites | None = None,
) -> None:
    """Record that an item was deliberately not turned into a case, and why."""
    _record(
        inbound,
        writes,
        state=InboundState.IGNORED,
        reason=clean_line(reason, 255),
        processed_at=now or timezone.now(),
    )


def mark_failed(
    *,
    inbound: Inbound,
    error: str,
    now: datetime | None = None,
    writes: BatchWrites | None = None,
) -> None:
    """Flag an item that could not be processed; it stays for an operator to open."""
    _record(
        inbound,
        writes,
        state=InboundState.FAILED,
        error=clean_text(error)[:4000],
        processed_at=now or timezone.now(),
    )
