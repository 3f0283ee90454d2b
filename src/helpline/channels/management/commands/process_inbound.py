"""``python -m helpline process_inbound``: finish stored messages left unprocessed, or
process one again after fixing its cause (``--retry ID`` puts a failed row back)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from helpline.channels.email.adapter import process_ids, process_pending
from helpline.channels.models import Inbound, InboundState
from helpline.channels.services import requeue_inbound
from helpline.lib.actors import Actor


class Command(BaseCommand):
    help = "Process stored inbound mail still waiting (or retry failed ones with --retry)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--retry", type=int, action="append", default=[], help="Inbound id.")

    def handle(self, *args: Any, retry: list[int], **options: Any) -> None:
        if retry:
            # Back to "received" through the service, so the retry is audited like the desk's.
            actor = Actor.system("process_inbound")
            for inbound in Inbound.objects.defer("raw").filter(
                pk__in=retry, state=InboundState.FAILED
            ):
                requeue_inbound(inbound=inbound, actor=actor)
            states = process_ids(retry)  # one batch
            for pk in retry:
                self.stdout.write(f"{pk}: {states.get(pk, 'missing')}")
        done = process_pending(older_than=timedelta(0), limit=10_000)
        self.stdout.write(f"{done} waiting message(s) processed")
