"""E-mail in: store the raw messages, then classify, unwrap (PEC), and hand them to the intake.

Mail is taken in by batches; a single message is a batch of one, through the same code.
``accept_batch`` is what the IMAP poller and the SMTP service call as soon as they hold the
bytes of one or more messages: one ``INSERT`` for all of them, committed before they
acknowledge anything (IMAP: before the UIDs are recorded; SMTP: before "250 OK").
``process_batch`` does the rest in one transaction per tenant (should a message fail, the
batch is taken again with a savepoint per message: that one is rolled back alone and
flagged, the others land), with the look-ups of the whole batch read up front
(``intake.Lookups``, ``SenderCounts``) and its acknowledgements, audit entries, contact
events and outcomes written once at its end (``intake.BatchWrites``). It is idempotent: rows
already processed are left alone, and rows a killed worker left behind are picked up by
``process_pending`` (the recovery loop), again by batches.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DataError, connection, transaction
from django.db.models import Q
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.cases import protocol
from helpline.cases.choices import CaseType, Channel, Level
from helpline.cases.services import UploadedFile
from helpline.channels.email.autoreply import SenderCounts, header_reason
from helpline.channels.email.parser import (
    ParsedEmail,
    charset_fallback,
    fallback_charset_for,
    parse_email,
    quick_headers,
)
from helpline.channels.intake import (
    BatchWrites,
    Contact,
    IntakeItem,
    IntakeResult,
    Lookups,
    RawItem,
    mark_failed,
    mark_ignored,
    store_raw_batch,
    take_in,
)
from helpline.channels.models import Inbound, InboundState, Mailbox, MailboxKind, MailboxPurpose
from helpline.lib import deferred
from helpline.sla import services as sla
from helpline.sla.services import shared_context as sla_shared_context

log = logging.getLogger(__name__)

#: Content-Language (its primary subtag) -> our language.
_LANGS = {"en": "en", "pt": "pt-br", "it": "it", "cs": "cs"}
_CHANNEL = {
    MailboxKind.EMAIL: Channel.EMAIL,
    MailboxKind.PEC: Channel.PEC,
    MailboxKind.FAX: Channel.FAX,
}


#: Messages stored in one INSERT and processed in one transaction by the real ways in.
BATCH_SIZE = 50


@dataclass(frozen=True)
class Received:
    """Raw bytes received for a mailbox (what the poller and the SMTP service hold)."""

    mailbox: Mailbox
    raw: bytes


class NotMail(Exception):
    """The bytes are no e-mail message (empty, binary garbage): kept raw and flagged."""


def tenant_charset(org: Any) -> str:
    """The charset undeclared 8-bit mail of this tenant is read in (``parser``)."""
    return fallback_charset_for(country=org.country, language=org.language)


def _raw_item(received: Received, source: str) -> RawItem:
    mailbox, raw = received.mailbox, received.raw
    message_id = sender = subject = digest = ""
    try:
        with charset_fallback(tenant_charset(mailbox.organization)):
            quick = quick_headers(raw)
        message_id, sender, subject, digest = (
            quick.message_id,
            quick.sender,
            quick.subject,
            quick.digest,
        )
    except Exception:  # a header block beyond repair: the bytes are kept all the same
        pass
    return RawItem(
        org=mailbox.organization,
        channel=_CHANNEL[MailboxKind(mailbox.kind)],
        source=source,
        raw=raw,
        message_id=message_id,
        sender=sender,
        subject=subject,
        mailbox=mailbox,
        digest=digest,
    )


def accept_batch(batch: Sequence[Received], *, source: str) -> list[tuple[Inbound, bool]]:
    """Store received messages raw (one INSERT, committed on return); (row, is_new) each.

    Should the database refuse what was read of the headers (it never should: they are
    cleaned), the bytes are stored with nothing read of them, one at a time: a message is
    never refused for its headers, so a mailbox is never stuck on one."""
    items = [_raw_item(r, source) for r in batch]
    try:
        rows = store_raw_batch(items)
    except DataError:
        log.exception("storing a batch of %d failed: the bytes alone, one at a time", len(items))
        rows = []
        for item in items:
            try:
                rows += store_raw_batch([item])
            except DataError:
                bare = RawItem(item.org, item.channel, item.source, item.raw, mailbox=item.mailbox)
                rows += store_raw_batch([bare])
    for received, (row, _new) in zip(batch, rows, strict=True):
        if row.mailbox_id == received.mailbox.pk:  # spare process_batch reading them back
            row.mailbox, row.organization = received.mailbox, received.mailbox.organization
    return rows


def accept_email(*, mailbox: Mailbox, raw: bytes, source: str) -> tuple[Inbound, bool]:
    """Store one received message raw (committed on return); (row, is_new)."""
    return accept_batch([Received(mailbox, raw)], source=source)[0]


def ingest_batch(batch: Sequence[Received], *, source: str) -> list[tuple[Inbound, str]]:
    """Store then process messages (what the SMTP service and the poller do); (row, state)
    per message, in order (a message delivered twice has one row and one outcome)."""
    stored = accept_batch(batch, source=source)
    states = process_batch([row for row, _new in stored])
    return [(row, states.get(row.pk, row.state)) for row, _new in stored]


def ingest(*, mailbox: Mailbox, raw: bytes, source: str) -> tuple[Inbound, str]:
    """Store then process one message: a batch of one."""
    return ingest_batch([Received(mailbox, raw)], source=source)[0]


def process_inbound(inbound_id: int) -> str:
    """Bring one stored message to its outcome; returns the final state."""
    return process_ids([inbound_id]).get(inbound_id, InboundState.FAILED)


def process_ids(ids: Sequence[int]) -> dict[int, str]:
    """``process_batch`` for stored rows known by id (recovery, retries, the command)."""
    rows = list(
        Inbound.objects.filter(pk__in=list(ids), state=InboundState.RECEIVED)
        .select_related("mailbox", "organization")
        .order_by("received_at", "pk")
    )
    states = process_batch(rows)
    missing = set(ids) - states.keys()
    if missing:
        states.update(Inbound.objects.filter(pk__in=missing).values_list("pk", "state"))
    return states


@dataclass
class _Prepared:
    """A message parsed and, unless PEC, classified and turned into an item up front."""

    parsed: ParsedEmail | None = None
    error: Exception | None = None
    reason: str = ""
    item: IntakeItem | None = None


@dataclass
class _Batch:
    lookups: Lookups
    senders: SenderCounts
    #: A savepoint per message (else a failure rolls the whole batch back).
    careful: bool = True
    writes: BatchWrites = field(default_factory=BatchWrites)
    prepared: dict[int, _Prepared] = field(default_factory=dict)


def process_batch(rows: Sequence[Inbound]) -> dict[int, str]:
    """Bring stored messages to their outcome: {row id: final state}.

    ``rows`` carry their raw bytes, mailbox and organisation (``accept_batch`` and
    ``process_ids`` give them so). One transaction per tenant in the batch; the rows are
    locked first, and a row no longer ``received`` (another worker got there first) is left
    as it is. A message that fails rolls the batch back, which is taken again with a
    savepoint per message: that one is rolled back and flagged alone while the rest of the
    batch lands. Should the batch fail as a whole even so (its final writes, say), it is
    taken again one message at a time.
    """
    states: dict[int, str] = {}
    by_org: dict[int, list[Inbound]] = {}
    for row in rows:
        if row.pk not in states and row.state == InboundState.RECEIVED:
            states[row.pk] = InboundState.RECEIVED
            by_org.setdefault(row.organization_id, []).append(row)
    for org_rows in by_org.values():
        states.update(_process_org_batch(org_rows))
    return states


def _process_org_batch(rows: list[Inbound]) -> dict[int, str]:
    _WAITING.set(False)
    # First without a savepoint per message (two statements each saved): a message that
    # fails rolls the whole batch back, which is then taken again with one savepoint per
    # message, so that only the failing one is flagged.
    try:
        return _process_together(rows, careful=False)
    except Exception as exc:
        log.info(
            "a message of a batch of %d failed (%s): again, one savepoint each", len(rows), exc
        )
    try:
        return _process_together(rows, careful=True)
    except Exception as exc:  # the batch as a whole (its final writes, say)
        failure = exc
    if len(rows) == 1 and not _WAITING.get():
        return {rows[0].pk: _flag(rows[0], failure)}
    log.warning("a batch of %d failed (%s): one message at a time", len(rows), failure)
    states: dict[int, str] = {}
    for row in rows:
        try:
            states.update(_process_together([row], careful=True, with_waiting=False))
        except Exception as exc:
            states[row.pk] = _flag(row, exc)
    return states


def _flag(row: Inbound, exc: Exception) -> str:
    """Flag a row whose processing failed outside its own savepoint (new transaction)."""
    log.warning("inbound %s could not be processed: %s", row.pk, exc)
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    with transaction.atomic():
        if Inbound.objects.filter(pk=row.pk, state=InboundState.RECEIVED).exists():
            mark_failed(inbound=row, error=detail)
    return InboundState.FAILED


def _process_together(
    rows: list[Inbound], *, careful: bool, with_waiting: bool = True
) -> dict[int, str]:
    states: dict[int, str] = {}
    with transaction.atomic():
        todo = _lock_oldest_first(rows, states, with_waiting=with_waiting)
        if not todo:
            return states
        org = todo[0].organization
        batch = _Batch(
            lookups=Lookups(org),
            senders=SenderCounts(org.pk, exclude=[r.pk for r in todo]),
            careful=careful,
        )
        for row in todo:
            batch.prepared[row.pk] = _prepare(row)
        ready = [p for p in batch.prepared.values() if p.item is not None]
        batch.senders.prefetch(p.parsed.from_address for p in ready if p.parsed)
        fast = contextlib.nullcontext() if careful else _no_nested_savepoints()
        # The tenant's SLA policies read once for the batch, and the clocks of the cases it
        # threads into; protocol numbers from a block reserved for the batch
        # (cases.protocol.reserved); what nothing in the batch reads back inserted at its
        # end (lib.deferred: audit entries, contact events, new customers' contact points
        # and search postings, and on PostgreSQL the cases, messages and customers too).
        numbers = protocol.reserved(org=org, at=timezone.now(), size=len(todo))
        later = deferred.deferred(batch.writes.rows, expected=len(todo))
        with sla_shared_context(), later, numbers, fast:
            batch.lookups.prefetch([p.item for p in ready if p.item])
            sla.prefetch_clocks(batch.lookups.case_ids())
            for row in todo:
                states[row.pk] = _process_one(row, batch)
        batch.writes.flush()  # the acknowledgements and the outcomes, for the whole batch
    return states


#: Whether the last batch locked also took waiting rows (then a failure may be theirs).
_WAITING: ContextVar[bool] = ContextVar("inbound_waiting", default=False)


def _lock_oldest_first(
    rows: list[Inbound], states: dict[int, str], *, with_waiting: bool = True
) -> list[Inbound]:
    """Lock the batch's rows, and with them (same query) the tenant's mail stored before
    them and still waiting (a worker died between storing and processing it): a tenant's
    mail is taken in in the order it was stored, so that a reply never opens a case of its
    own ahead of the message it answers. At most ``BATCH_SIZE`` waiting rows come first;
    batch rows beyond them stay *received* for the next batch or the recovery loop.
    Returns the rows to process, oldest first; ``states`` gets those no longer waiting.
    ``with_waiting=False``: the batch's rows only (the one-at-a-time fallback, so that a
    waiting row that fails is not blamed on each of them)."""
    ids = [r.pk for r in rows]
    waiting = Q(
        organization_id=rows[0].organization_id,
        state=InboundState.RECEIVED,
        mailbox__isnull=False,
        pk__lt=max(ids),
    )
    limit = len(ids) + BATCH_SIZE
    found = list(
        Inbound.objects.select_for_update()
        .filter(Q(pk__in=ids) | waiting if with_waiting else Q(pk__in=ids))
        .order_by("pk")
        .values_list("pk", "state")[:limit]
    )
    locked = dict(found)
    todo = []
    for row in rows:
        state = locked.pop(row.pk, None)
        if state == InboundState.RECEIVED:
            todo.append(row)
        elif state is None:  # after the waiting ones (still to do), or gone
            states[row.pk] = InboundState.RECEIVED if len(found) == limit else InboundState.FAILED
        else:
            states[row.pk] = state
    older = [pk for pk, state in locked.items() if state == InboundState.RECEIVED]
    _WAITING.set(bool(older))
    if older:
        log.warning("taking in %d stored message(s) left waiting first", len(older))
        todo += Inbound.objects.filter(pk__in=older).select_related("mailbox", "organization")
    return sorted(todo, key=lambda r: r.pk)


@contextlib.contextmanager
def _no_nested_savepoints() -> Iterator[None]:
    """The fast pass: the services' own ``atomic()`` blocks inside it make no savepoints
    (two statements each on PostgreSQL; SQLite's backend makes them regardless). Any
    failure there fails the pass, and the batch is taken again with savepoints: a failure a
    service catches and recovers from leaves the connection marked for rollback, which
    ``_process_one`` and Django's next query both turn into an error."""
    features = connection.features
    own = "uses_savepoints" in vars(features)
    saved = features.uses_savepoints
    features.uses_savepoints = False
    try:
        yield
    finally:
        if own:
            features.uses_savepoints = saved
        else:
            del features.uses_savepoints


def _prepare(row: Inbound) -> _Prepared:
    """Parse, and (not for PEC, whose envelope is opened in the savepoint) classify and
    build the intake item, so that the batch's look-ups can be read in one go."""
    prep = _Prepared()
    mailbox = row.mailbox
    if mailbox is None:
        return prep
    try:
        limit = settings.HELPLINE_MAIL_MAX_ATTACHMENT_BYTES
        prep.parsed = parse_email(
            bytes(row.raw),
            max_attachment=limit,
            fallback_charset=tenant_charset(row.organization),
        )
        if prep.parsed.not_mail:
            raise NotMail(prep.parsed.not_mail)
        if mailbox.kind != MailboxKind.PEC:
            prep.reason = header_reason(prep.parsed)
            if not prep.reason:
                prep.item = _item_for(prep.parsed, mailbox)
    except Exception as exc:  # flagged like any other failure (nothing written yet)
        prep.error = exc
    return prep


def _process_one(row: Inbound, batch: _Batch) -> str:
    prep = batch.prepared[row.pk]
    result: IntakeResult | None = None
    rolled_back = False
    state: str
    if prep.error is not None and row.mailbox is not None:
        # Failed before it wrote anything (parsing, building its item): flagged at once.
        _staged_failure(row, prep.error, batch)
        state = InboundState.FAILED
    elif not batch.careful:  # a failure ends the batch (see _process_org_batch)
        state, result = _process(row, prep, batch)
        if connection.needs_rollback:  # a failure caught inside a service: not here
            raise TransactionManagementError(f"inbound {row.pk}: a failure was caught")
    else:
        mark = batch.writes.checkpoint()
        try:
            with transaction.atomic():
                state, result = _process(row, prep, batch)
        except Exception as exc:
            batch.writes.rollback(mark, row.pk)
            _staged_failure(row, exc, batch)
            state, result, rolled_back = InboundState.FAILED, None, True
    batch.lookups.learn(item=prep.item, result=result, inbound=row, rolled_back=rolled_back)
    batch.senders.processed(row.sender, ignored=state == InboundState.IGNORED)
    return state


def _staged_failure(row: Inbound, exc: Exception, batch: _Batch) -> None:
    log.warning("inbound %s could not be processed: %s", row.pk, exc)
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    mark_failed(inbound=row, error=detail, writes=batch.writes)


def _process(row: Inbound, prep: _Prepared, batch: _Batch) -> tuple[str, IntakeResult | None]:
    mailbox = row.mailbox
    if mailbox is None:
        mark_ignored(inbound=row, reason="mailbox removed", writes=batch.writes)
        return InboundState.IGNORED, None
    if prep.error is not None:
        raise prep.error
    parsed = prep.parsed
    assert parsed is not None
    reason, item = prep.reason, prep.item
    if mailbox.kind == MailboxKind.PEC:
        from helpline.channels.pec.unwrap import handle_pec

        with charset_fallback(tenant_charset(row.organization)):
            handled = handle_pec(
                row=row, parsed=parsed, max_attachment=settings.HELPLINE_MAIL_MAX_ATTACHMENT_BYTES
            )
        if isinstance(handled, str):
            return handled, None
        parsed = handled
        reason = header_reason(parsed)
        if not reason:
            item = prep.item = _item_for(parsed, mailbox)
    reason = reason or batch.senders.rate_reason(parsed.from_address)
    if reason:
        mark_ignored(inbound=row, reason=reason, writes=batch.writes)
        return InboundState.IGNORED, None
    assert item is not None
    result = take_in(
        org=row.organization, item=item, inbound=row, lookups=batch.lookups, writes=batch.writes
    )
    flags = _flags(parsed, item)
    if flags:  # rare: a statement of its own, rolled back with the message
        row.flags = {**(row.flags or {}), **flags}
        Inbound.objects.filter(pk=row.pk).update(flags=row.flags)
    return result.state, result


def _flags(parsed: ParsedEmail, item: IntakeItem) -> dict[str, Any]:
    """What the operator should know about how a message was taken in."""
    flags: dict[str, Any] = {}
    if parsed.oversized:
        flags["oversized"] = parsed.oversized
    if parsed.too_deep:
        flags["too_deep"] = True
    if not item.acknowledge and item.metadata.get("not_acknowledged"):
        flags["not_acknowledged"] = item.metadata["not_acknowledged"]
    return flags


def _item_for(parsed: ParsedEmail, mailbox: Mailbox) -> IntakeItem:
    if mailbox.kind == MailboxKind.FAX:
        from helpline.channels.fax.adapter import fax_item

        return fax_item(parsed=parsed, mailbox=mailbox)
    return email_item(parsed=parsed, mailbox=mailbox, channel=_CHANNEL[MailboxKind(mailbox.kind)])


def _set_aside_note(parsed: ParsedEmail) -> str:
    lines = [
        _(
            "Attachment “%(name)s” (%(size)s bytes) exceeds the size limit; it is kept aside "
            "with the original message."
        )
        % {"name": o["filename"], "size": o["size"]}
        for o in parsed.oversized
    ]
    return "\n".join(lines)


def _valid_address(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def no_acknowledgement_reason(parsed: ParsedEmail) -> str:
    """Why a message that opens a case is not acknowledged, else "": mailing-list mail
    (``List-Id``, ``List-Unsubscribe``), mail a spam filter marked (``X-Spam-Status: Yes``,
    ``X-Spam-Flag: YES``), a From without a valid address."""
    msg = parsed.msg
    assert msg is not None
    if msg.get("List-Id") is not None or msg.get("List-Unsubscribe") is not None:
        return "mailing list"
    if parsed.header("X-Spam-Status").lower().startswith("yes") or (
        parsed.header("X-Spam-Flag").strip().lower() == "yes"
    ):
        return "marked as spam"
    if not parsed.from_address or not _valid_address(parsed.from_address):
        return "invalid sender address"
    return ""


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower() if "@" in address else ""


def answer_address(parsed: ParsedEmail) -> str:
    """Where answers go: the Reply-To when it is a valid address in the sender's own domain
    (or one of its subdomains, or the other way round: a person's office address), else
    the From. The customer is always the From: a Reply-To naming a mailing list, a shared
    mailbox of another domain or a stranger neither becomes the customer nor gets mail."""
    frm, reply_to = parsed.from_address, parsed.reply_to
    if not reply_to or reply_to == frm or not _valid_address(reply_to):
        return frm
    a, b = _domain(frm), _domain(reply_to)
    if a and b and (a == b or a.endswith("." + b) or b.endswith("." + a)):
        return reply_to
    return frm


def _language(tag: str) -> str:
    """Our language for a Content-Language tag (``it-IT`` -> ``it``, ``pt-PT`` -> ``pt-br``)."""
    return _LANGS.get(tag.strip().lower().replace("_", "-").split("-")[0], "")


def email_item(
    *, parsed: ParsedEmail, mailbox: Mailbox, channel: str = Channel.EMAIL
) -> IntakeItem:
    """The intake item of an ordinary e-mail (also of the message inside a PEC envelope).

    The customer is the From (``answer_address`` for the Reply-To rule)."""
    body = parsed.text
    note = _set_aside_note(parsed)
    if parsed.too_deep:
        note = "\n".join(
            n
            for n in (
                note,
                _(
                    "Part of this message is nested too deeply to be read here; the original "
                    "message keeps it."
                ),
            )
            if n
        )
    if note:
        body = f"{body}\n\n{note}".strip()
    delegation = mailbox.purpose == MailboxPurpose.DELEGATION
    unacknowledged = "" if delegation else no_acknowledgement_reason(parsed)
    answer_to = answer_address(parsed)
    return IntakeItem(
        channel=channel,
        contact=Contact(
            name=parsed.from_name,
            email=parsed.from_address,
            language=_language(parsed.language),
        ),
        title=parsed.subject,
        body=body,
        attachments=[
            UploadedFile(filename=a.filename, content_type=a.content_type, content=a.content)
            for a in parsed.attachments
        ],
        topic_id=mailbox.topic_id,
        queue_id=mailbox.queue_id,
        case_type=CaseType.INTERVENTION_REQUEST if delegation else CaseType.INFORMATION,
        level=Level.BO if delegation else Level.L1,
        thread_text=parsed.subject,
        reply_to=[*parsed.in_reply_to, *parsed.references],
        closed_case_policy=mailbox.closed_case_policy,
        acknowledge=not delegation and not unacknowledged,
        message_id=parsed.message_id,
        reply_from=mailbox.address,
        answer_to=answer_to if answer_to != parsed.from_address else "",
        metadata={"not_acknowledged": unacknowledged} if unacknowledged else {},
    )


def process_pending(*, older_than: timedelta = timedelta(seconds=30), limit: int = 100) -> int:
    """Process rows a killed worker left in ``received`` (the recovery loop's pass), by
    batches of ``BATCH_SIZE``."""
    cutoff = timezone.now() - older_than
    ids = list(
        Inbound.objects.filter(state=InboundState.RECEIVED, received_at__lte=cutoff)
        .exclude(mailbox__isnull=True)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for start in range(0, len(ids), BATCH_SIZE):
        process_ids(ids[start : start + BATCH_SIZE])
    return len(ids)
