"""The routing loop (``helpline.routing.loops.routing_loop`` in ``HELPLINE_LOOPS``): every
tick it times out expired offers, ends wrap-ups, applies overflow rules, routes waiting
work, pushes the new offers to the agents' desks and queue sizes to everyone.

Several copies may run (one per ``run_loops`` process): the engine's SKIP LOCKED claims and
conditional reservations keep them from offering one item twice or overloading an agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections

from helpline.cases.models import Case
from helpline.routing import engine, push, selectors, services

log = logging.getLogger(__name__)


def tick() -> list[dict[str, Any]]:
    """One round of routing work; returns the offers to push (after their commit)."""
    close_old_connections()
    services.expire_offers()
    services.end_wrapups()
    services.overflow_tasks()
    decisions = engine.route_all()
    if not decisions:
        return []
    shown = {
        pk: (protocol, title)
        for pk, protocol, title in Case.objects.filter(
            pk__in=[d.case_id for d in decisions]
        ).values_list("pk", "protocol_number", "title")
    }
    return [
        {
            "group": push.agent_group(d.org_id, d.user_id),
            "payload": {
                "type": "offer",
                "offer": d.offer_id,
                "task": d.task_id,
                "protocol": shown.get(d.case_id, ("", ""))[0],
                "title": shown.get(d.case_id, ("", ""))[1],
                "expires_at": d.expires_at.isoformat(),
            },
        }
        for d in decisions
    ]


async def routing_loop(stop: asyncio.Event) -> None:
    interval = float(getattr(settings, "HELPLINE_ROUTING_TICK", 1.0))
    layer = get_channel_layer()
    last_sizes: dict[int, dict[int, int]] = {}
    while not stop.is_set():
        offers = await sync_to_async(tick, thread_sensitive=False)()
        sizes = await sync_to_async(selectors.all_queue_sizes, thread_sensitive=False)()
        if layer is not None:
            for item in offers:
                await layer.group_send(
                    item["group"], {"type": "routing.event", "payload": item["payload"]}
                )
            for org_id in set(sizes) | set(last_sizes):
                if sizes.get(org_id, {}) != last_sizes.get(org_id, {}):
                    payload = {
                        "type": "sizes",
                        "queues": {str(k): v for k, v in sizes.get(org_id, {}).items()},
                    }
                    await layer.group_send(
                        push.org_group(org_id), {"type": "routing.event", "payload": payload}
                    )
        last_sizes = sizes
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
