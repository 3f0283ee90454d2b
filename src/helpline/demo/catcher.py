"""A local mail catcher for the demo: an SMTP server (aiosmtpd) on a loopback port that
accepts every message for every recipient and stores it as an ``.eml`` file, so the mail
the demo sends (acknowledgements, replies, progress notifications, invitations) can be read
without sending anything anywhere.

``make run`` starts it (``python -m helpline mail_catcher``) and points the outbox at it;
nothing in the product depends on it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9@._-]+")


class CatcherHandler:
    """Stores each message as ``<UTC time>-<n>-<first recipient>.eml`` in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        rcpt = _UNSAFE.sub("_", (envelope.rcpt_tos or ["nobody"])[0])[:80]
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{os.getpid()}-{self.count:05d}-{rcpt}.eml"
        raw = envelope.original_content or b""
        head = (
            f"X-Catcher-Mail-From: {envelope.mail_from}\r\n"
            f"X-Catcher-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        path = self.directory / name
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(head + raw)
        tmp.replace(path)  # readers never see half a file
        log.info("caught mail for %s: %s", rcpt, path)
        return "250 2.0.0 Caught"


async def serve_catcher(
    host: str,
    port: int,
    directory: Path,
    stop: asyncio.Event,
    started: asyncio.Future[int] | None = None,
) -> None:
    """Catch mail on ``host:port`` into ``directory`` until ``stop`` is set; ``started``
    gets the bound port (or the error when the address cannot be listened on)."""
    directory.mkdir(parents=True, exist_ok=True)
    handler = CatcherHandler(directory)
    loop = asyncio.get_running_loop()
    try:
        server = await loop.create_server(
            lambda: SMTP(handler, decode_data=False, enable_SMTPUTF8=True, ident="Mail catcher"),
            host=host,
            port=port,
        )
    except OSError as exc:
        if started is not None and not started.done():
            started.set_exception(exc)
        raise
    bound = int(server.sockets[0].getsockname()[1])
    if started is not None:
        started.set_result(bound)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()
