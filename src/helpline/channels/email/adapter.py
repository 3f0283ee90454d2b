"""E-mail in: store the raw message, then classify, unwrap (PEC), and hand it to the intake.

``accept_email`` is what the IMAP poller and the SMTP service call as soon as they hold the
bytes; it commits the raw row before they acknowledge the message (IMAP: before the UID is
recorded; SMTP: before "250 OK"). ``process_inbound`` does the rest in one transaction and
is idempotent: a row already processed is left alone, and a row a killed worker left
behind is picked up by ``process_pending`` (the recovery loop).
"""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.cases.choices import CaseType, Channel, Level
from helpline.cases.services import UploadedFile
from helpline.channels.email.autoreply import ignore_reason
from helpline.channels.email.parser import ParsedEmail, parse_email, quick_headers
from helpline.channels.intake import (
    Contact,
    IntakeItem,
    mark_failed,
    mark_ignored,
    store_raw,
    take_in,
)
from helpline.channels.models import Inbound, InboundState, Mailbox, MailboxKind, MailboxPurpose

log = logging.getLogger(__name__)

_LANGS = {"en": "en", "pt-br": "pt-br", "pt": "pt-br", "it": "it", "cs": "cs"}
_CHANNEL = {
    MailboxKind.EMAIL: Channel.EMAIL,
    MailboxKind.PEC: Channel.PEC,
    MailboxKind.FAX: Channel.FAX,
}


def accept_email(*, mailbox: Mailbox, raw: bytes, source: str) -> tuple[Inbound, bool]:
    """Store a received message raw (committed on return); (row, is_new)."""
    try:
        message_id, sender, subject = quick_headers(raw)
    except Exception:  # a header block beyond repair: the bytes are kept all the same
        message_id, sender, subject = "", "", ""
    return store_raw(
        org=mailbox.organization,
        channel=_CHANNEL[MailboxKind(mailbox.kind)],
        source=source,
        raw=raw,
        message_id=message_id,
        sender=sender,
        subject=subject,
        mailbox=mailbox,
    )


def process_inbound(inbound_id: int) -> str:
    """Bring one stored message to its outcome; returns the final state."""
    with transaction.atomic():
        row = (
            Inbound.objects.select_for_update(of=("self",))
            .select_related("mailbox", "organization")
            .get(pk=inbound_id)
        )
        if row.state != InboundState.RECEIVED:
            return row.state
        try:
            with transaction.atomic():
                return _process(row)
        except Exception as exc:
            log.warning("inbound %s could not be processed: %s", row.pk, exc)
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            mark_failed(inbound=row, error=detail)
            return InboundState.FAILED


def _process(row: Inbound) -> str:
    mailbox = row.mailbox
    if mailbox is None:
        mark_ignored(inbound=row, reason="mailbox removed")
        return InboundState.IGNORED
    limit = settings.HELPLINE_MAIL_MAX_ATTACHMENT_BYTES
    parsed = parse_email(bytes(row.raw), max_attachment=limit)
    if mailbox.kind == MailboxKind.PEC:
        from helpline.channels.pec.unwrap import handle_pec

        handled = handle_pec(row=row, parsed=parsed, max_attachment=limit)
        if isinstance(handled, str):
            return handled
        parsed = handled
    reason = ignore_reason(parsed, mailbox=mailbox, inbound=row)
    if reason:
        mark_ignored(inbound=row, reason=reason)
        return InboundState.IGNORED
    if mailbox.kind == MailboxKind.FAX:
        from helpline.channels.fax.adapter import fax_item

        item = fax_item(parsed=parsed, mailbox=mailbox)
    else:
        item = email_item(
            parsed=parsed, mailbox=mailbox, channel=_CHANNEL[MailboxKind(mailbox.kind)]
        )
    if parsed.oversized:
        Inbound.objects.filter(pk=row.pk).update(flags={"oversized": parsed.oversized})
    result = take_in(org=row.organization, item=item, inbound=row)
    return result.state


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


def email_item(
    *, parsed: ParsedEmail, mailbox: Mailbox, channel: str = Channel.EMAIL
) -> IntakeItem:
    """The intake item of an ordinary e-mail (also of the message inside a PEC envelope)."""
    body = parsed.text
    note = _set_aside_note(parsed)
    if note:
        body = f"{body}\n\n{note}".strip()
    delegation = mailbox.purpose == MailboxPurpose.DELEGATION
    return IntakeItem(
        channel=channel,
        contact=Contact(
            name=parsed.from_name,
            email=parsed.reply_to or parsed.from_address,
            language=_LANGS.get(parsed.language, ""),
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
        acknowledge=not delegation,
        message_id=parsed.message_id,
        reply_from=mailbox.address,
    )


def process_pending(*, older_than: timedelta = timedelta(seconds=30), limit: int = 100) -> int:
    """Process rows a killed worker left in ``received`` (the recovery loop's pass)."""
    cutoff = timezone.now() - older_than
    ids = list(
        Inbound.objects.filter(state=InboundState.RECEIVED, received_at__lte=cutoff)
        .exclude(mailbox__isnull=True)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        process_inbound(pk)
    return len(ids)


def ingest(*, mailbox: Mailbox, raw: bytes, source: str) -> tuple[Inbound, str]:
    """Store then process one message (what the SMTP service and the poller do)."""
    row, _new = accept_email(mailbox=mailbox, raw=raw, source=source)
    state = process_inbound(row.pk) if row.state == InboundState.RECEIVED else row.state
    return row, state
