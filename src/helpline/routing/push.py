"""Live pushes to the desk and the wallboard through the channel layer.

Group names: ``routing.agent.<org>.<user>`` (the agent's own state and offers) and
``routing.org.<org>`` (queue sizes; the wallboard refreshes on it). Pushes go out after
commit (ARCHITECTURE rule 1), so a browser never hears of an offer that was rolled back.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def agent_group(org_id: int, user_id: int) -> str:
    return f"routing.agent.{org_id}.{user_id}"


def org_group(org_id: int) -> str:
    return f"routing.org.{org_id}"


def send_now(group: str, payload: dict[str, Any]) -> None:
    """Send from synchronous code (see ``_send_all``)."""
    _send_all([(group, payload)])


def _send_all(messages: list[tuple[str, dict[str, Any]]]) -> None:
    """Send several messages in one trip to the event loop. A channel layer that is down is
    logged, never raised: the database already holds the truth and the desk re-reads it."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send() -> None:
        for group, payload in messages:
            await layer.group_send(group, {"type": "routing.event", "payload": payload})

    try:
        async_to_sync(send)()
    except Exception:
        log.exception("push of %d routing events failed", len(messages))


_pending = threading.local()


class _Batch:
    """The pushes of one transaction, sent together when it commits."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self.hook = self.flush  # one bound method, so it can be found among the hooks

    def add(self, group: str, payload: dict[str, Any]) -> None:
        if (group, payload) not in self.messages:
            self.messages.append((group, payload))

    def flush(self) -> None:
        if getattr(_pending, "batch", None) is self:
            _pending.batch = None
        _send_all(self.messages)


def after_commit(group: str, payload: dict[str, Any]) -> None:
    """Push when the current transaction commits; a transaction's pushes go out together
    (one hop to the event loop instead of one per message). A rolled-back transaction's
    hook is discarded by Django, and with it the batch."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        send_now(group, payload)
        return
    batch: _Batch | None = getattr(_pending, "batch", None)
    if batch is None or not any(entry[1] is batch.hook for entry in connection.run_on_commit):
        batch = _Batch()
        _pending.batch = batch
        transaction.on_commit(batch.hook)
    batch.add(group, payload)


def to_agent(org_id: int, user_id: int, payload: dict[str, Any]) -> None:
    after_commit(agent_group(org_id, user_id), payload)


def to_org(org_id: int, payload: dict[str, Any]) -> None:
    after_commit(org_group(org_id), payload)
