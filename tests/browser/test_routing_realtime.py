"""Real time across processes: two uvicorn servers share the Redis channel layer. An agent's
browser is connected to server A; the routing loop runs in server B (its lifespan starts
it). A case opened through server B's API is routed by B, and the offer pops up in the
browser on A, with its countdown; the agent accepts it there and the case is theirs.

With HELPLINE_SCREENSHOTS=<dir> the run also saves the screenshots of docs/routing.md."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from helpline.cases.models import Case
from helpline.routing.models import Agent, Queue, QueueMember

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PASSWORD = "pw-Helpline-1"
SCREENSHOTS = os.environ.get("HELPLINE_SCREENSHOTS", "")
REDIS_URL = os.environ.get("HELPLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user, host, port = s["USER"] or "postgres", s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


def _start(port: int, *, loops: bool, prefix: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_database_url(),
        REDIS_URL=REDIS_URL,
        HELPLINE_CHANNEL_PREFIX=prefix,
        HELPLINE_LOOPS_IN_SERVER="1" if loops else "0",
        DJANGO_SETTINGS_MODULE="helpline.settings",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    uvicorn = str(Path(sys.executable).parent / "uvicorn")
    proc = subprocess.Popen(
        [
            uvicorn,
            "helpline.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "on",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server on {port} did not start")


@pytest.fixture
def servers() -> Iterator[tuple[str, str]]:
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"hltest{uuid.uuid4().hex[:8]}"
    port_a, port_b = _free_port(), _free_port()
    a = _start(port_a, loops=False, prefix=prefix)
    b = _start(port_b, loops=True, prefix=prefix)
    try:
        yield f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    finally:
        for proc in (a, b):
            proc.terminate()
        for proc in (a, b):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _login(browser: Any, base: str, user: Any) -> Any:
    # The servers verify with the production hashers, not the tests' fast MD5 one.
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "routingsalt", iterations=1000)
    user.save(update_fields=["password"])
    context = browser.new_context(viewport={"width": 1360, "height": 860}, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(base + "/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/desk/"))
    return page


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


@pytest.mark.django_db(transaction=True)
def test_an_offer_made_by_one_server_pops_up_in_a_browser_on_the_other(
    tenant_a: Any, servers: tuple[str, str], browser: Any
) -> None:
    from playwright.sync_api import expect

    base_a, base_b = servers
    org = tenant_a.org
    queue = Queue.objects.create(
        organization=org, code="front", name="Front office", offer_timeout_seconds=60
    )
    QueueMember.objects.create(organization=org, queue=queue, user=tenant_a.operator)

    page = _login(browser, base_a, tenant_a.operator)
    expect(page.locator("#presence-slot[data-live='1']")).to_have_count(1)  # socket open on A
    page.select_option("#presence-state", "available")
    page.click(".presence-form button[type=submit]")
    expect(page.locator(".presence.state-available")).to_be_visible()
    assert Agent.objects.get(user=tenant_a.operator).state == "available"

    body = json.dumps(
        {
            "channel": "chat",
            "case_type": "information",
            "title": "Water meter reading",
            "queue_id": queue.pk,
        }
    ).encode()
    request = urllib.request.Request(
        base_b + "/api/v1/cases",
        data=body,
        headers={"Authorization": f"Bearer {tenant_a.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as r:
        case = json.load(r)

    popup = page.locator(".offer-popup")
    expect(popup).to_be_visible(timeout=20_000)  # routed by B, pushed through Redis to A
    expect(popup.locator(".offer-protocol")).to_have_text(case["protocol_number"])
    expect(popup.locator(".countdown")).to_have_text(re.compile(r"^\d+$"))
    _shot(page, "routing-offer")
    popup.locator("button:has-text('Accept')").click()
    expect(page.locator(".presence-work")).to_contain_text(case["protocol_number"])
    assert Case.objects.get(pk=case["id"]).assignee_id == tenant_a.operator.pk
    _shot(page, "routing-on-contact")

    if SCREENSHOTS:
        board = _login(browser, base_b, tenant_a.supervisor)
        board.goto(f"{base_b}/desk/{org.slug}/routing/wallboard/")
        expect(board.locator("table.wallboard").first).to_be_visible()
        _shot(board, "routing-wallboard")
