"""Live pushes to the desk and the wallboard through the channel layer.

Group names: ``routing.agent.<org>.<user>`` (the agent's own state and offers) and
``routing.org.<org>`` (queue sizes; the wallboard refreshes on it). Pushes go out after
commit (ARCHITECTURE rule 1), so a browser never hears of an offer that was rolled back.
"""

from __future__ import annotations

import logging
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
    """Send from synchronous code; a channel layer that is down is logged, never raised:
    the database already holds the truth and the desk re-reads it on reconnect."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "routing.event", "payload": payload})
    except Exception:
        log.exception("push to %s failed", group)


def after_commit(group: str, payload: dict[str, Any]) -> None:
    transaction.on_commit(lambda: send_now(group, payload))


def to_agent(org_id: int, user_id: int, payload: dict[str, Any]) -> None:
    after_commit(agent_group(org_id, user_id), payload)


def to_org(org_id: int, payload: dict[str, Any]) -> None:
    after_commit(org_group(org_id), payload)
