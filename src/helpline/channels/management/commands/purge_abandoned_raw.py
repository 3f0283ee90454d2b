"""``python -m helpline purge_abandoned_raw``: delete raw web-form and status-page rows that
never became a case (refused or abandoned), older than HELPLINE_RAW_ABANDONED_HOURS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from helpline.channels.webform.cleanup import purge_abandoned


class Command(BaseCommand):
    help = "Delete refused or abandoned raw portal submissions (never turned into a case)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=int, default=None, help="Age limit (default: the setting)."
        )

    def handle(self, *args: Any, hours: int | None, **options: Any) -> None:
        older = timedelta(hours=hours) if hours is not None else None
        self.stdout.write(f"{purge_abandoned(older_than=older)} raw submission(s) deleted")
