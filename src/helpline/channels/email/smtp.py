"""The SMTP receiving service (aiosmtpd) for direct MX or relay delivery.

Recipients are checked against the active mailboxes at RCPT time (unknown ones are refused
with 550, so a relay never accepts mail we would drop). At DATA time the raw message is
stored once per mailbox it was addressed to and committed *before* "250" is answered; if
the database is unavailable the answer is 451 and the sender's MTA retries. Processing
follows before the answer; if it fails, the stored row is flagged, and if the process dies,
the recovery loop finishes the job.

Messages arriving on concurrent connections are taken in together (``_Batcher``): while
one batch is stored and processed, the messages that arrive meanwhile wait and form the
next batch (up to ``BATCH_SIZE``), stored in one INSERT and processed in one transaction.
A single connection sends one message at a time and waits for its answer, so it makes
batches of one.

Run it with ``python -m helpline smtp_receive --host 0.0.0.0 --port 25`` or as a loop
(``HELPLINE_SMTP_RECEIVE_HOST``/``_PORT``).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections

from helpline.channels.email.adapter import BATCH_SIZE, Received, accept_batch, process_batch
from helpline.channels.models import Mailbox

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


def _store_and_process(deliveries: Sequence[tuple[Sequence[int], bytes]]) -> None:
    """Store (one INSERT, committed) then process messages, each for its mailboxes."""
    close_old_connections()
    try:
        ids = sorted({pk for mailbox_ids, _raw in deliveries for pk in mailbox_ids})
        boxes = {m.pk: m for m in Mailbox.objects.select_related("organization").filter(pk__in=ids)}
        batch = [
            Received(boxes[pk], raw)
            for mailbox_ids, raw in deliveries
            for pk in mailbox_ids
            if pk in boxes
        ]
        stored = accept_batch(batch, source="smtp")
        try:
            process_batch([row for row, _new in stored])
        except Exception:  # stored already: the recovery loop will retry
            log.exception("processing %d inbound message(s) failed", len(stored))
    finally:
        connections.close_all()


class _Batcher:
    """Takes in the messages of concurrent connections together (see the module doc)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[list[int], bytes, asyncio.Future[None]]] = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def deliver(self, mailbox_ids: list[int], raw: bytes) -> None:
        """Returns once the message is stored and processed; raises if it was not stored."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self.queue.put((mailbox_ids, raw, done))
        await done

    async def _run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < BATCH_SIZE and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            deliveries = [(ids, raw) for ids, raw, _done in batch]
            try:
                await sync_to_async(_store_and_process, thread_sensitive=False)(deliveries)
            except Exception as exc:
                for _ids, _raw, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _ids, _raw, done in batch:
                    if not done.done():
                        done.set_result(None)


_BATCHERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batcher] = (
    weakref.WeakKeyDictionary()
)


def _batcher() -> _Batcher:
    loop = asyncio.get_running_loop()
    batcher = _BATCHERS.get(loop)
    if batcher is None or batcher.task.done():
        batcher = _BATCHERS[loop] = _Batcher()
    return batcher


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
            await _batcher().deliver(mailbox_ids, raw or b"")
        except Exception:
            log.exception("storing a received message failed")
            return "451 4.3.0 Temporary failure, please retry"
        return "250 2.0.0 Message accepted"


#: Longest line accepted in a message (bytes with CRLF). RFC 5321 says 1000, but real MTAs
#: relay longer lines (unwrapped HTML, long headers): refusing them with aiosmtpd's
#: permanent 500 would bounce real mail. What limits a message is its size.
MAX_LINE_LENGTH = 1024 * 1024


class _IntakeSMTP(SMTP):
    line_length_limit = MAX_LINE_LENGTH


def make_smtp() -> SMTP:
    return _IntakeSMTP(
        IntakeHandler(),
        data_size_limit=settings.HELPLINE_SMTP_MAX_MESSAGE_BYTES,
        enable_SMTPUTF8=True,
        decode_data=False,
        ident="Helpline intake",
    )


async def serve(
    host: str, port: int, stop: asyncio.Event, started: asyncio.Future[int] | None = None
) -> None:
    """Accept SMTP on ``host:port`` until ``stop`` is set; ``started`` gets the bound port
    (or the error when the address cannot be listened on: in use, not ours, no right)."""
    loop = asyncio.get_running_loop()
    try:
        server = await loop.create_server(make_smtp, host=host, port=port)
    except OSError as exc:
        if started is not None and not started.done():
            started.set_exception(exc)
        raise
    bound = server.sockets[0].getsockname()[1]
    log.warning("SMTP intake listening on %s:%s", host, bound)
    if started is not None:
        started.set_result(bound)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()
        batcher = _BATCHERS.pop(loop, None)
        if batcher is not None:
            batcher.task.cancel()


async def loop(stop: asyncio.Event) -> None:
    """As a background loop: serve when ``HELPLINE_SMTP_RECEIVE_HOST`` is set."""
    if not settings.HELPLINE_SMTP_RECEIVE_HOST:
        await stop.wait()
        return
    await serve(settings.HELPLINE_SMTP_RECEIVE_HOST, settings.HELPLINE_SMTP_RECEIVE_PORT, stop)
