"""``python -m helpline sla_recompute [CALENDAR_ID ...]``: recompute the due dates of the
unfinished clocks of calendars (all of them by default), e.g. after editing holidays
directly in the database or upgrading the ``holidays`` package."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from helpline.sla.models import Calendar
from helpline.sla.services import recompute_calendar_clocks


class Command(BaseCommand):
    help = "Recompute SLA due dates of unfinished clocks after a calendar change."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("calendar_ids", nargs="*", type=int)

    def handle(self, *args: Any, calendar_ids: list[int], **options: Any) -> None:
        qs = Calendar.objects.all()
        if calendar_ids:
            qs = qs.filter(pk__in=calendar_ids)
        for calendar in qs:
            t0 = time.perf_counter()
            n = recompute_calendar_clocks(calendar=calendar)
            self.stdout.write(
                f"{calendar.pk} {calendar.name}: {n} clocks in {time.perf_counter() - t0:.2f} s"
            )
