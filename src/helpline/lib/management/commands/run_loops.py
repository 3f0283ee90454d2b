"""``python -m helpline run_loops [--only NAME ...]``: the background loops in their own
process (production), until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from helpline.lib.loops import LoopRunner, configured_loops


class Command(BaseCommand):
    help = "Run the background loops (settings.HELPLINE_LOOPS) until interrupted."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--only", nargs="*", default=[], help="dotted paths or last names of loops to run"
        )

    def handle(self, *args: Any, only: list[str], **options: Any) -> None:
        loops = configured_loops(only)
        if not loops:
            raise CommandError("No background loop matches; see settings.HELPLINE_LOOPS.")
        self.stdout.write("Running: " + ", ".join(loops))
        asyncio.run(self._run(loops))

    async def _run(self, loops: dict[str, Any]) -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await LoopRunner(loops).run_until(stop)
