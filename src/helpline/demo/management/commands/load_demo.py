"""``python -m helpline load_demo``: two demo tenants with ~90 days of realistic history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from helpline.demo import loader
from helpline.tenancy.models import Organization


class Command(BaseCommand):
    help = (
        "Load the demo: an Italian municipal help desk and a Brazilian water utility with "
        "staff at every role, customers and cases over the last 90 days. Every demo tenant "
        f"login has the password {loader.DEMO_PASSWORD!r}; the superuser gets a random one, "
        "printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if any organisation exists (for `make run`).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo organisations, their data and the demo users first.",
        )
        parser.add_argument("--seed", type=int, default=loader.DEFAULT_SEED)
        parser.add_argument(
            "--customers",
            type=int,
            default=loader.DEFAULT_CUSTOMERS,
            help="Customers over both tenants (default %(default)s).",
        )
        parser.add_argument(
            "--cases",
            type=int,
            default=loader.DEFAULT_CASES,
            help="Cases over both tenants (default %(default)s).",
        )
        parser.add_argument(
            "--now",
            default=None,
            help="ISO date-time the history ends at (default: now); with --seed it makes "
            "a repeatable demo.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = self.stdout.write
        if options["customers"] < 0 or options["cases"] < 0:
            raise CommandError("--customers and --cases must not be negative.")
        now: datetime | None = None
        if options["now"]:
            now = parse_datetime(options["now"])
            if now is None or now.tzinfo is None:
                raise CommandError("--now needs an ISO date-time with a time zone offset.")
        if options["reset"]:
            loader.reset_demo(out=out)
        if options["if_empty"] and Organization.objects.exists():
            out("Organisations already exist: demo not loaded (use --reset to reload it).")
            return
        existing = loader.demo_orgs()
        if existing:
            raise CommandError(
                "The demo is already loaded ({}); use --reset to reload it.".format(
                    ", ".join(o.slug for o in existing)
                )
            )
        loader.load_demo(
            seed=options["seed"],
            customers=options["customers"],
            cases=options["cases"],
            now=now,
            out=out,
        )
