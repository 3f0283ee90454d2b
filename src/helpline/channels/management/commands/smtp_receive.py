"""``python -m helpline smtp_receive``: the SMTP receiving service (MX/relay delivery)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpline.channels.email.smtp import serve


class Command(BaseCommand):
    help = "Receive mail for the configured mailboxes by SMTP and turn it into cases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.HELPLINE_SMTP_RECEIVE_HOST or "127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.HELPLINE_SMTP_RECEIVE_PORT)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, stop.set)
            started: asyncio.Future[int] = loop.create_future()
            task = asyncio.create_task(serve(host, port, stop, started))
            try:
                bound = await started
            except OSError as exc:
                with contextlib.suppress(OSError):
                    await task
                raise CommandError(
                    f"cannot receive SMTP on {host}:{port}: {exc.strerror or exc}"
                ) from exc
            self.stdout.write(f"Receiving SMTP on {host}:{bound} (Ctrl-C to stop)")
            await task
            self.stdout.write("SMTP receiving stopped")

        asyncio.run(main())
