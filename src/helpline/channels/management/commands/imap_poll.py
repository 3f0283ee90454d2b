"""``python -m helpline imap_poll``: fetch the IMAP mailboxes (once, or keep watching)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from helpline.channels.email import imap
from helpline.channels.models import Mailbox


class Command(BaseCommand):
    help = "Fetch new mail from the IMAP mailboxes into cases (--once: one pass, then exit)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One pass over every mailbox.")
        parser.add_argument("--mailbox", type=int, action="append", default=[], help="Mailbox id.")

    def handle(self, *args: Any, once: bool, mailbox: list[int], **options: Any) -> None:
        if once:
            boxes = Mailbox.objects.filter(is_active=True).exclude(imap_host="")
            if mailbox:
                boxes = boxes.filter(pk__in=mailbox)
            for box in boxes:
                count = imap.poll_once(box)
                self.stdout.write(f"{box.address}: {count} new message(s)")
            return

        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, stop.set)
            await imap.loop(stop)

        asyncio.run(main())
