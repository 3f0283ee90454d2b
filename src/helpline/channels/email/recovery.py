"""The recovery loop: processes stored messages a killed worker left unprocessed."""

from __future__ import annotations

import asyncio
import contextlib

from asgiref.sync import sync_to_async

from helpline.channels.email.adapter import process_pending

#: Seconds between passes.
INTERVAL = 30.0


async def loop(stop: asyncio.Event) -> None:
    while not stop.is_set():
        await sync_to_async(process_pending, thread_sensitive=False)()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), INTERVAL)
