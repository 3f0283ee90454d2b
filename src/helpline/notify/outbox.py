"""Sending the outbox by SMTP (Django's mail backend), with retries.

A pass claims due rows (``next_attempt_at <= now``; on PostgreSQL ``SKIP LOCKED`` lets
several senders share the table), pushes their next attempt out by the back-off *before*
sending, so a sender killed mid-way retries later rather than never, then sends each one
and records the outcome. Delivery is therefore at-least-once: a crash between the SMTP
"250" and the update resends the mail with the same Message-ID, which mail clients
collapse. After ``HELPLINE_MAIL_MAX_ATTEMPTS`` the row is failed, and the case shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from helpline.customers.sms import sms_backend
from helpline.notify.models import (
    PROGRESS_KINDS,
    OutboundEmail,
    OutboundSms,
    OutboundState,
    TemplateKind,
)

log = logging.getLogger(__name__)

#: A row of one of the two outboxes.
Row = TypeVar("Row", OutboundEmail, OutboundSms)

#: Header on everything we send, so our own mail coming back is recognised as a loop.
LOOP_HEADER = "X-Helpline-Loop"


def backoff(attempt: int) -> timedelta:
    """1, 2, 4, 8... minutes, at most an hour."""
    return timedelta(seconds=min(3600, 60 * 2 ** max(0, attempt - 1)))


def _claim(model: type[Row], now: datetime, limit: int) -> list[Row]:
    """Claim the due rows of one outbox (mail or SMS): skip rows another sender holds, and
    push each claimed row's next attempt out by the back-off before it is sent."""
    with transaction.atomic():
        rows = list(
            model.objects.select_for_update(skip_locked=True)
            .filter(state=OutboundState.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:limit]
        )
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + backoff(row.attempts)
        model.objects.bulk_update(rows, ["attempts", "next_attempt_at"])
    return rows


def _as_email(row: OutboundEmail) -> EmailMessage:
    headers = {
        "Message-ID": row.message_id,
        LOOP_HEADER: str(row.organization_id),
    }
    if row.in_reply_to:
        headers["In-Reply-To"] = row.in_reply_to
    if row.references:
        headers["References"] = row.references
    if row.kind == TemplateKind.ACKNOWLEDGEMENT:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: never answer this
    elif row.kind in PROGRESS_KINDS.values():
        headers["Auto-Submitted"] = "auto-generated"
    return EmailMessage(
        subject=row.subject,
        body=row.body,
        from_email=row.from_address,
        to=[row.to_address],
        headers=headers,
    )


def _mailbox_connections(rows: list[OutboundEmail]) -> dict[tuple[int, str], Any]:
    """Mail leaving from a mailbox with its own SMTP server (a PEC mailbox through its PEC
    provider, say) goes through that server: {(organisation, from address): connection}.
    One query for the whole pass."""
    from helpline.channels.models import Mailbox, SmtpSecurity

    boxes = Mailbox.objects.filter(
        organization_id__in={r.organization_id for r in rows},
        address__in={r.from_address.lower() for r in rows},
    ).exclude(smtp_host="")
    out: dict[tuple[int, str], Any] = {}
    for box in boxes:
        out[(box.organization_id, box.address.lower())] = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            fail_silently=False,
            host=box.smtp_host,
            port=box.smtp_port,
            username=box.smtp_user or None,
            password=box.smtp_password or None,
            use_tls=box.smtp_security == SmtpSecurity.STARTTLS,
            use_ssl=box.smtp_security == SmtpSecurity.TLS,
            timeout=30,
        )
    return out


def send_due(*, now: datetime | None = None, limit: int = 50) -> int:
    """One pass: send what is due; returns how many were sent."""
    now = now or timezone.now()
    rows = _claim(OutboundEmail, now, limit)
    if not rows:
        return 0
    own = _mailbox_connections(rows)
    groups: dict[tuple[int, str] | None, list[OutboundEmail]] = {}
    for row in rows:
        found = (row.organization_id, row.from_address.lower())
        groups.setdefault(found if found in own else None, []).append(row)
    sent = 0
    for key, group_rows in groups.items():
        connection = own[key] if key is not None else get_connection(fail_silently=False)
        sent += _send_group(connection, group_rows)
    return sent


def _send_group(connection: Any, rows: list[OutboundEmail]) -> int:
    sent = 0
    try:
        connection.open()
    except Exception as exc:  # server down: every claimed row waits for its next attempt
        for row in rows:
            _failed_attempt(row, exc)
        return 0
    try:
        for row in rows:
            try:
                connection.send_messages([_as_email(row)])
            except Exception as exc:
                _failed_attempt(row, exc)
            else:
                OutboundEmail.objects.filter(pk=row.pk).update(
                    state=OutboundState.SENT, sent_at=timezone.now(), last_error=""
                )
                sent += 1
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    return sent


def send_due_sms(*, now: datetime | None = None, limit: int = 50) -> int:
    """One pass over the SMS outbox through the SMS port, with the e-mail's retry rules."""
    rows = _claim(OutboundSms, now or timezone.now(), limit)
    sent = 0
    backend = sms_backend() if rows else None
    for row in rows:
        try:
            assert backend is not None
            backend.send(to=row.to_number, body=row.body)
        except Exception as exc:
            _failed_attempt(row, exc)
        else:
            OutboundSms.objects.filter(pk=row.pk).update(
                state=OutboundState.SENT, sent_at=timezone.now(), last_error=""
            )
            sent += 1
    return sent


def _failed_attempt(row: OutboundEmail | OutboundSms, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    what = "SMS" if isinstance(row, OutboundSms) else "e-mail"
    log.warning("sending outbound %s %s failed (attempt %s): %s", what, row.pk, row.attempts, error)
    final = row.attempts >= settings.HELPLINE_MAIL_MAX_ATTEMPTS
    type(row).objects.filter(pk=row.pk).update(
        last_error=error,
        state=OutboundState.FAILED if final else OutboundState.QUEUED,
        next_attempt_at=None if final else row.next_attempt_at,
    )


@transaction.atomic
def retry(*, outbound: OutboundEmail, now: datetime | None = None) -> None:
    """Put a failed mail back in the queue (an operator's "try again")."""
    OutboundEmail.objects.filter(pk=outbound.pk, state=OutboundState.FAILED).update(
        state=OutboundState.QUEUED, attempts=0, next_attempt_at=now or timezone.now()
    )


async def loop(stop: asyncio.Event) -> None:
    """The sending loop (``HELPLINE_LOOPS``): a pass every ``HELPLINE_MAIL_SEND_INTERVAL``."""
    while not stop.is_set():
        await sync_to_async(send_due, thread_sensitive=False)()
        await sync_to_async(send_due_sms, thread_sensitive=False)()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.HELPLINE_MAIL_SEND_INTERVAL)
