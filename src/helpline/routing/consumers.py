"""The desk's live channel: ``/ws/routing/<org_slug>/``.

A signed-in member joins their own agent group (state, offers) and the organisation's
group (queue sizes, wallboard refreshes). The consumer only forwards what services and the
routing loop push after commit; every action goes back through plain HTTP (htmx), so the
desk works the same with the socket down, only less live.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from helpline.lib.errors import NotFound
from helpline.lib.ws import JsonConsumer
from helpline.routing import push
from helpline.tenancy.selectors import membership_for


class RoutingConsumer(JsonConsumer):
    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["org_slug"]
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        try:
            membership = await database_sync_to_async(membership_for)(user=user, org_slug=slug)
        except NotFound:
            await self.close(code=4404)
            return
        org_id = membership.organization_id
        self.groups_joined = [push.agent_group(org_id, user.pk), push.org_group(org_id)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello"})

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def routing_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])
