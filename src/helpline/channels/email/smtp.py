"""The SMTP receiving service (aiosmtpd) for direct MX or relay delivery.

Recipients are checked against the active mailboxes at RCPT time (unknown ones are refused
with 550, so a relay never accepts mail we would drop). At DATA time the raw message is
stored once per mailbox it was addressed to and committed *before* "250" is answered; if
the database is unavailable the answer is 451 and the sender's MTA retries. Processing
follows in the same connection; if it fails, the stored row is flagged, and if the process
dies, the recovery loop finishes the job.

Run it with ``python -m helpline smtp_receive --host 0.0.0.0 --port 25`` or as a loop
(``HELPLINE_SMTP_RECEIVE_HOST``/``_PORT``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections

from helpline.channels.email.adapter import accept_email, process_inbound
from helpline.channels.models import InboundState, Mailbox

log = logging.getLogger(__name__)


def _mailbox_for(address: str) -> Mailbox | None:
    close_old_connections()
    try:
        return (
            Mailbox.objects.select_related("organization")
            .filter(address__iexact=address.strip().strip("<>"), is_active=True)
            .first()
        )
    finally:
        # Executor threads come and go: never leave their connections behind.
        connections.close_all()


def _store_and_process(mailbox_ids: list[int], raw: bytes) -> None:
    close_old_connections()
    rows = []
    for mailbox in Mailbox.objects.select_related("organization").filter(pk__in=mailbox_ids):
        row, _new = accept_email(mailbox=mailbox, raw=raw, source="smtp")
        rows.append(row)
    try:
        for row in rows:
            if row.state == InboundState.RECEIVED:
                try:
                    process_inbound(row.pk)
                except Exception:  # stored already: the recovery loop will retry
                    log.exception("processing inbound %s failed", row.pk)
    finally:
        connections.close_all()


class IntakeHandler:
    """aiosmtpd handler: accept mail for our mailboxes only, store it, process it."""

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        try:
            mailbox = await sync_to_async(_mailbox_for, thread_sensitive=False)(address)
        except Exception:
            log.exception("mailbox lookup failed")
            return "451 4.3.0 Temporary failure, please retry"
        if mailbox is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        options: dict[str, Any] = getattr(envelope, "helpline_mailboxes", {})
        options[address.lower()] = mailbox.pk
        envelope.helpline_mailboxes = options  # type: ignore[attr-defined]
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        mailbox_ids = sorted(set(getattr(envelope, "helpline_mailboxes", {}).values()))
        try:
            await sync_to_async(_store_and_process, thread_sensitive=False)(mailbox_ids, raw or b"")
        except Exception:
            log.exception("storing a received message failed")
            return "451 4.3.0 Temporary failure, please retry"
        return "250 2.0.0 Message accepted"


def make_smtp() -> SMTP:
    return SMTP(
        IntakeHandler(),
        data_size_limit=settings.HELPLINE_SMTP_MAX_MESSAGE_BYTES,
        enable_SMTPUTF8=True,
        decode_data=False,
        ident="Helpline intake",
    )


async def serve(
    host: str, port: int, stop: asyncio.Event, started: asyncio.Future[int] | None = None
) -> None:
    """Accept SMTP on ``host:port`` until ``stop`` is set; ``started`` gets the bound port."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(make_smtp, host=host, port=port)
    bound = server.sockets[0].getsockname()[1]
    log.warning("SMTP intake listening on %s:%s", host, bound)
    if started is not None:
        started.set_result(bound)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()


async def loop(stop: asyncio.Event) -> None:
    """As a background loop: serve when ``HELPLINE_SMTP_RECEIVE_HOST`` is set."""
    if not settings.HELPLINE_SMTP_RECEIVE_HOST:
        await stop.wait()
        return
    await serve(settings.HELPLINE_SMTP_RECEIVE_HOST, settings.HELPLINE_SMTP_RECEIVE_PORT, stop)
