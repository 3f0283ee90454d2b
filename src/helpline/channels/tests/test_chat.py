"""Chat: the conversation waits in the tenant's chat queue, an operator picks and answers it
from the desk, lines travel over websockets, the transcript is stored on a case with its
protocol number; out of hours the portal offers the web form."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.routing import URLRouter
from django.test import Client

from helpline.cases.models import Case, Message
from helpline.channels.chat import service as chat
from helpline.channels.models import ChatSession, ChatSettings, ChatState
from helpline.channels.ws import websocket_urlpatterns
from helpline.notify.models import OutboundEmail, TemplateKind
from helpline.routing.models import Queue

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant


class WebsocketCommunicator(ApplicationCommunicator):
    """The websocket side of the ASGI protocol (Channels' own helper needs daphne)."""

    def __init__(self, app: Any, path: str) -> None:
        scope = {"type": "websocket", "path": path, "headers": [], "query_string": b""}
        super().__init__(app, scope)

    async def connect(self) -> tuple[bool, None]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(5)
        return response["type"] == "websocket.accept", None

    async def receive_json_from(self, timeout: float = 5) -> Any:
        response = await self.receive_output(timeout)
        return json.loads(response["text"])

    async def disconnect(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(1)


@pytest.fixture
def chat_on(tenant_a: Tenant) -> ChatSettings:
    queue = Queue.objects.create(
        organization=tenant_a.org, code="chat", name="Chat", channel="chat"
    )
    return ChatSettings.objects.create(organization=tenant_a.org, queue=queue)


def start(client: Client, tenant: Tenant, **data: str) -> Any:
    payload = {"name": "Sara", "email": "sara@example.it", "text": "Buongiorno, una domanda."}
    payload.update(data)
    return client.post(f"/{tenant.org.slug}/chat/", payload)


def test_a_chat_opens_a_case_on_the_chat_queue_and_the_operator_answers(
    client: Client, desk_a: Client, tenant_a: Tenant, tenant_b: Tenant, chat_on: ChatSettings
) -> None:
    response = start(client, tenant_a)
    assert response.status_code == 302
    session = ChatSession.objects.get()
    case = session.case
    assert case.channel == "chat" and case.queue_id == chat_on.queue_id
    room = client.get(response["Location"]).content.decode()
    assert case.protocol_number in room
    assert client.post(response["Location"], {"text": "Ci siete?"}).status_code == 302

    slug = tenant_a.org.slug
    listing = desk_a.get(f"/desk/{slug}/chats/").content.decode()
    assert "Sara" in listing and case.protocol_number in listing
    other = Client()
    other.force_login(tenant_b.operator)
    assert other.get(f"/desk/{slug}/chats/{session.pk}/").status_code == 404
    assert other.get(f"/desk/{tenant_b.org.slug}/chats/{session.pk}/").status_code == 404

    desk_a.post(f"/desk/{slug}/chats/{session.pk}/", {"action": "pick"})
    desk_a.post(f"/desk/{slug}/chats/{session.pk}/", {"action": "say", "text": "Sì, mi dica."})
    session.refresh_from_db()
    case.refresh_from_db()
    assert session.state == ChatState.ACTIVE and session.operator_id == tenant_a.operator.pk
    assert case.assignee_id == tenant_a.operator.pk
    transcript = [m.body for m in Message.objects.filter(case=case)]
    assert transcript == ["Ci siete?", "Sì, mi dica."]
    assert case.description == "Buongiorno, una domanda."
    # The transcript's protocol number is mailed; chat lines are not.
    kinds = list(OutboundEmail.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == [TemplateKind.ACKNOWLEDGEMENT]
    desk_a.post(f"/desk/{slug}/chats/{session.pk}/", {"action": "end"})
    session.refresh_from_db()
    assert session.state == ChatState.ENDED
    assert client.post(response["Location"], {"text": "ancora?"}).status_code == 200
    assert Message.objects.filter(case=case).count() == 2


def test_a_second_operator_cannot_take_a_taken_chat(
    client: Client, desk_a: Client, tenant_a: Tenant, chat_on: ChatSettings
) -> None:
    from helpline.lib.actors import Actor
    from helpline.tenancy.models import Role
    from helpline.tenancy.services import add_member, create_user

    start(client, tenant_a)
    session = ChatSession.objects.get()
    desk_a.post(f"/desk/{tenant_a.org.slug}/chats/{session.pk}/", {"action": "pick"})
    second = create_user(username="op2", password="pw-Helpline-1")
    add_member(actor=Actor.system("tests"), org=tenant_a.org, user=second, role=Role.OPERATOR)
    c2 = Client()
    c2.force_login(second)
    response = c2.post(f"/desk/{tenant_a.org.slug}/chats/{session.pk}/", {"action": "pick"})
    assert response.status_code == 409
    session.refresh_from_db()
    assert session.operator_id == tenant_a.operator.pk


def test_out_of_hours_the_widget_offers_the_web_form(
    client: Client, tenant_a: Tenant, chat_on: ChatSettings
) -> None:
    chat_on.hours = {str(d): [["09:00", "13:00"]] for d in range(1, 8)}
    chat_on.save()
    rome = ZoneInfo("Europe/Rome")
    assert chat.is_open(tenant_a.org, chat_on, datetime(2026, 11, 10, 10, 0, tzinfo=rome))
    assert not chat.is_open(tenant_a.org, chat_on, datetime(2026, 11, 10, 20, 0, tzinfo=rome))
    # Christmas is a public holiday in Italy: closed even within the hours.
    assert not chat.is_open(tenant_a.org, chat_on, datetime(2026, 12, 25, 10, 0, tzinfo=rome))
    chat_on.hours = {}
    chat_on.is_enabled = False
    chat_on.save()
    page = client.get(f"/{tenant_a.org.slug}/chat/").content.decode()
    assert 'id="chat-closed"' in page and f"/{tenant_a.org.slug}/" in page
    assert start(client, tenant_a).status_code == 200
    assert not Case.objects.exists()


def test_an_empty_first_line_is_refused_naming_the_field(
    client: Client, tenant_a: Tenant, chat_on: ChatSettings
) -> None:
    response = start(client, tenant_a, text="  ", name="")
    assert response.status_code == 422
    assert not Case.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_lines_reach_both_sides_over_websockets(tenant_a: Tenant) -> None:
    async_to_sync(_lines_reach_both_sides)(tenant_a)


async def _lines_reach_both_sides(tenant_a: Tenant) -> None:
    def setup() -> ChatSession:
        queue = Queue.objects.create(organization=tenant_a.org, code="chat", name="Chat")
        ChatSettings.objects.create(organization=tenant_a.org, queue=queue)
        return chat.start_chat(org=tenant_a.org, name="Sara", email="", text="Salve")

    session = await sync_to_async(setup)()
    app = URLRouter(websocket_urlpatterns)
    visitor = WebsocketCommunicator(app, f"/ws/chat/{session.token}/")
    connected, _sub = await visitor.connect()
    assert connected
    bad = WebsocketCommunicator(app, "/ws/chat/not-a-token/")
    assert (await bad.connect())[0] is False

    from helpline.lib.actors import Actor

    actor = Actor.for_user(tenant_a.operator)
    await sync_to_async(chat.pick_chat)(session=session, actor=actor)
    assert (await visitor.receive_json_from(timeout=5)) == {"type": "joined"}
    await sync_to_async(chat.operator_says)(session=session, actor=actor, text="Buongiorno!")
    line = await visitor.receive_json_from(timeout=5)
    assert line["type"] == "line" and line["from"] == "operator" and line["text"] == "Buongiorno!"
    await sync_to_async(chat.visitor_says)(session=session, text="Grazie")
    line = await visitor.receive_json_from(timeout=5)
    assert line["from"] == "visitor" and line["text"] == "Grazie"
    await visitor.disconnect()
