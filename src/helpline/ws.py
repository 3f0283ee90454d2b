"""Websocket routes of every app, in one list for the ASGI router (``asgi.py``).

Each app with consumers keeps its own ``websocket_urlpatterns`` and adds it here.
"""

from __future__ import annotations

from typing import Any

from helpline.channels.ws import websocket_urlpatterns as channels_ws
from helpline.routing.ws import websocket_urlpatterns as routing_ws

websocket_urlpatterns: list[Any] = [*routing_ws, *channels_ws]
