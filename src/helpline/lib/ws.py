"""Websocket robustness shared by every consumer: a frame that is not JSON gets an error
frame back (the socket stays open), and a path no consumer serves is refused with close
code 4404 instead of an exception in the router (a 500 in the server log)."""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer
from django.urls import re_path
from django.utils.translation import gettext as _

#: Close code for "no such socket" (4000-4999: application codes; 4404 mirrors HTTP 404).
CLOSE_NOT_FOUND = 4404


class JsonConsumer(AsyncJsonWebsocketConsumer):
    """A JSON consumer that answers a malformed frame with ``{"type": "error", ...}``."""

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if text_data is None:
            await self.send_json({"type": "error", "error": _("Send JSON text frames.")})
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_json({"type": "error", "error": _("This frame is not valid JSON.")})
            return
        await self.receive_json(content, **kwargs)


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Every websocket path no app serves: accepted and closed at once with 4404, so the
    client sees the code (a refusal before accepting reaches it only as an HTTP 403)."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)


fallback_urlpatterns = [re_path(r"", NotFoundConsumer.as_asgi())]
