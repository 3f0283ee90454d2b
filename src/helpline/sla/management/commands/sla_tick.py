"""``python -m helpline sla_tick``: raise due SLA warnings and breaches once (cron, or a
check after maintenance); ``--loop`` keeps ticking like the background loop does."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from helpline.sla.ticker import INTERVAL, tick


class Command(BaseCommand):
    help = "Raise due SLA warnings and breaches and run their escalation actions."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", action="store_true", help="keep ticking until interrupted")

    def handle(self, *args: Any, loop: bool, **options: Any) -> None:
        while True:
            result = tick()
            self.stdout.write(
                f"warnings={result.warnings} breaches={result.breaches} actions={result.actions}"
            )
            if not loop:
                return
            time.sleep(INTERVAL)
