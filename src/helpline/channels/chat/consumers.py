"""Chat websockets: ``/ws/chat/<token>/`` (the visitor) and
``/ws/desk/<org_slug>/chats/<id>/`` (an operator of the tenant). The sockets only carry
what the services push after commit; lines are sent by plain HTTP POST (see the views), so
the chat works the same, less live, with the socket down."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from helpline.channels.chat.service import group
from helpline.channels.models import ChatSession
from helpline.lib.errors import NotFound
from helpline.lib.ws import JsonConsumer
from helpline.tenancy.selectors import membership_for


class _ChatConsumer(JsonConsumer):
    session_id: int | None = None

    async def join(self, session_id: int) -> None:
        self.session_id = session_id
        await self.channel_layer.group_add(group(session_id), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.session_id is not None:
            await self.channel_layer.group_discard(group(self.session_id), self.channel_name)

    async def chat_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])


class VisitorChatConsumer(_ChatConsumer):
    async def connect(self) -> None:
        token = self.scope["url_route"]["kwargs"]["token"]
        session_id = await database_sync_to_async(
            lambda: ChatSession.objects.filter(token=token).values_list("pk", flat=True).first()
        )()
        if session_id is None:
            await self.close(code=4404)
            return
        await self.join(session_id)


class OperatorChatConsumer(_ChatConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        kwargs = self.scope["url_route"]["kwargs"]
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return

        def find() -> int | None:
            try:
                membership = membership_for(user=user, org_slug=kwargs["org_slug"])
            except NotFound:
                return None
            return (
                ChatSession.objects.filter(
                    organization_id=membership.organization_id, pk=kwargs["session_id"]
                )
                .values_list("pk", flat=True)
                .first()
            )

        session_id = await database_sync_to_async(find)()
        if session_id is None:
            await self.close(code=4404)
            return
        await self.join(session_id)
