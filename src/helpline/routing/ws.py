from __future__ import annotations

from django.urls import path

from helpline.routing.consumers import RoutingConsumer

websocket_urlpatterns = [
    path("ws/routing/<slug:org_slug>/", RoutingConsumer.as_asgi()),
]
