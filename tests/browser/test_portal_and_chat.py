"""The public portal in a real Chromium: a citizen sends the web form and lands on the case
status page with the protocol number; then chats with an operator who answers from the desk,
the answer arriving over the websocket without a reload.

The server is uvicorn serving the ASGI application (HTTP and websockets) in a thread of the
test process, on a free loopback port, so the in-memory channel layer is shared with the
services the test drives. With HELPLINE_SCREENSHOTS=<dir> the run saves the screenshots of
docs/channels.md."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpline.cases.models import Case, Message
from helpline.channels.models import ChatSession, ChatSettings
from helpline.portal.models import PrivacyNotice
from helpline.routing.models import Queue

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PASSWORD = "pw-Helpline-1"
SCREENSHOTS = os.environ.get("HELPLINE_SCREENSHOTS", "")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def asgi_url(settings: Any) -> Iterator[str]:
    import uvicorn

    from helpline.asgi import application

    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            application, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _context(browser: Any, locale: str = "it-IT") -> Any:
    ctx = browser.new_context(
        viewport={"width": 1100, "height": 900}, locale=locale, timezone_id="Europe/Rome"
    )
    ctx.set_default_timeout(15_000)
    return ctx


def test_a_citizen_sends_the_form_and_chats_with_an_operator(
    asgi_url: str, browser: Any, tenant_a: Any
) -> None:
    from django.utils import timezone
    from playwright.sync_api import expect

    org = tenant_a.org
    PrivacyNotice.objects.create(
        organization=org,
        version="2026-03",
        text="I dati sono trattati dal Comune per gestire la richiesta.",
        published_at=timezone.now(),
    )
    queue = Queue.objects.create(organization=org, code="chat", name="Chat", channel="chat")
    ChatSettings.objects.create(organization=org, queue=queue)

    visitor = _context(browser).new_page()
    # The web form: a missing consent is named, then the case opens with its protocol number.
    visitor.goto(f"{asgi_url}/{org.slug}/")
    visitor.select_option("#id_topic", str(tenant_a.topic.pk))
    visitor.select_option("#id_subject", str(tenant_a.subject.pk))
    visitor.fill("#id_location", "Via Garibaldi 14")
    visitor.fill("#id_description", "Il lampione davanti al civico 14 è spento da una settimana.")
    visitor.fill("#id_name", "Giulia Neri")
    visitor.fill("#id_email", "giulia.neri@example.it")
    _shot(visitor, "portal-form")
    visitor.click("button[type=submit]")
    expect(visitor.locator(".p-field.p-check .p-error")).to_be_visible()
    assert not Case.objects.exists()
    visitor.check("#id_privacy")
    visitor.click("button[type=submit]")
    expect(visitor).to_have_url(re.compile(rf"/{org.slug}/status/[^/]+/$"))
    case = Case.objects.get()
    expect(visitor.locator("[data-testid=protocol]")).to_have_text(case.protocol_number)
    _shot(visitor, "portal-status")

    # The chat: the visitor starts, an operator takes it in the desk and answers.
    visitor.goto(f"{asgi_url}/{org.slug}/chat/")
    visitor.fill("#id_name", "Giulia Neri")
    visitor.fill("#id_text", "Buongiorno, posso sapere quando passerà il tecnico?")
    visitor.click("button[type=submit]")
    expect(visitor).to_have_url(re.compile(rf"/{org.slug}/chat/[^/]+/$"))
    session = ChatSession.objects.get()
    expect(visitor.locator("[data-testid=protocol]")).to_have_text(session.case.protocol_number)
    visitor.wait_for_timeout(300)  # the socket connects

    operator = _context(browser, "en-GB").new_page()
    operator.goto(f"{asgi_url}/login/")
    operator.fill("#id_username", tenant_a.operator.username)
    operator.fill("#id_password", PASSWORD)
    operator.click("button[type=submit]")
    operator.goto(f"{asgi_url}/desk/{org.slug}/chats/")
    expect(operator.locator("#chats-waiting")).to_contain_text("Giulia Neri")
    _shot(operator, "chat-desk-list")
    operator.click("#chats-waiting a")
    operator.click("#chat-pick")
    expect(visitor.locator("#chat-state")).to_have_text(re.compile(r"operatore", re.I))
    operator.fill("#id_text", "Buongiorno! Il tecnico passerà domani mattina.")
    operator.press("#id_text", "Enter")
    # Pushed over the websocket: the visitor's page shows it without reloading.
    expect(operator.locator("#chat-log")).to_contain_text("Il tecnico passerà domani mattina.")
    expect(visitor.locator("#chat-log")).to_contain_text(
        "Il tecnico passerà domani mattina.", timeout=15_000
    )
    visitor.fill("#id_text", "Grazie mille!")
    visitor.press("#id_text", "Enter")
    expect(operator.locator("#chat-log")).to_contain_text("Grazie mille!")
    _shot(visitor, "chat-visitor")
    _shot(operator, "chat-desk")
    bodies = list(Message.objects.filter(case=session.case).values_list("body", flat=True))
    assert bodies == ["Buongiorno! Il tecnico passerà domani mattina.", "Grazie mille!"]
