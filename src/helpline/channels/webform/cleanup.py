"""Deleting raw portal submissions that never became anything.

The web form and the status page store what the customer sent before processing it
(ARCHITECTURE rule 8). A row still ``received`` without a case long after it arrived was
refused or abandoned half-way (a validation error in the intake, a killed request, or one
stored before the limits were checked first): nobody will process it, and its attachments
fill the disk. ``purge_abandoned`` deletes those older than ``HELPLINE_RAW_ABANDONED_HOURS``;
rows marked ``failed`` are kept for an operator, as are mail rows (the recovery loop's).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone

from helpline.channels.models import Inbound, InboundState

log = logging.getLogger(__name__)

#: The sources the portal stores raw (webform/adapter.py).
PORTAL_SOURCES = ("web", "status")
#: Seconds between passes of the loop.
INTERVAL = 3600.0


def purge_abandoned(*, now: datetime | None = None, older_than: timedelta | None = None) -> int:
    """Delete abandoned raw portal rows; returns how many were deleted."""
    now = now or timezone.now()
    if older_than is None:
        older_than = timedelta(hours=settings.HELPLINE_RAW_ABANDONED_HOURS)
    deleted, _by_model = Inbound.objects.filter(
        source__in=PORTAL_SOURCES,
        mailbox__isnull=True,
        case__isnull=True,
        state=InboundState.RECEIVED,
        received_at__lt=now - older_than,
    ).delete()
    return deleted


async def loop(stop: asyncio.Event) -> None:
    """Background loop (``settings.HELPLINE_LOOPS``): one pass an hour."""
    while not stop.is_set():
        count = await sync_to_async(purge_abandoned, thread_sensitive=False)()
        if count:
            log.info("deleted %d abandoned raw portal submissions", count)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), INTERVAL)
