"""``python -m helpline mail_catcher``: catch the demo's outgoing mail as ``.eml`` files."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpline.demo.catcher import serve_catcher


class Command(BaseCommand):
    help = (
        "A local SMTP mail catcher for the demo: every message sent to it is stored as an "
        ".eml file and never delivered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("HELPLINE_MAIL_CATCHER_PORT", 1025))
        )
        parser.add_argument(
            "--dir",
            dest="directory",
            default=str(Path(settings.DATA_DIR) / "mail"),
            help="Where the .eml files go (default: $HELPLINE_DATA_DIR/mail).",
        )

    def handle(self, *args: Any, host: str, port: int, directory: str, **options: Any) -> None:
        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, stop.set)
            started: asyncio.Future[int] = loop.create_future()
            task = asyncio.create_task(serve_catcher(host, port, Path(directory), stop, started))
            try:
                bound = await started
            except OSError as exc:
                with contextlib.suppress(OSError):
                    await task
                raise CommandError(
                    f"cannot catch mail on {host}:{port}: {exc.strerror or exc}"
                ) from exc
            self.stdout.write(f"Catching mail on {host}:{bound} into {directory}", ending="\n")
            self.stdout.flush()
            await task
            self.stdout.write("Mail catcher stopped")

        asyncio.run(main())
