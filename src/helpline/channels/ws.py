from __future__ import annotations

from django.urls import path

from helpline.channels.chat.consumers import OperatorChatConsumer, VisitorChatConsumer

websocket_urlpatterns = [
    path("ws/chat/<str:token>/", VisitorChatConsumer.as_asgi()),
    path("ws/desk/<slug:org_slug>/chats/<int:session_id>/", OperatorChatConsumer.as_asgi()),
]
