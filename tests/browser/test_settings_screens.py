"""An administrator, in a real Chromium, configures the catalogue and routing in the settings
area: adds a topic, a queue that takes it, puts an agent in the queue, and gets a field
error for a duplicate code; a supervisor does not see the service-level screens."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpline.audit.models import AuditEntry
from helpline.routing.models import Queue, QueueMember

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop, not ours (see desk test)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PASSWORD = "pw-Helpline-1"
SCREENSHOTS = os.environ.get("HELPLINE_SCREENSHOTS", "")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def _login(page: Any, base: str, user: Any) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_an_administrator_builds_a_queue_in_the_settings(live_server, tenant_a, page):
    from playwright.sync_api import expect

    base, slug = live_server.url, tenant_a.org.slug
    _login(page, base, tenant_a.admin)
    page.click("nav.mainnav >> text=Settings")
    expect(page.locator(".settings-menu")).to_contain_text("Penalty rules")

    page.click(".settings-menu >> text=Topics")
    page.click("text=Add topic")
    page.fill("#id_code", "lighting")
    page.fill("#id_name", "Street lighting")
    page.click("button:has-text('Save')")
    expect(page.locator(".flash")).to_contain_text("“Street lighting” was created.")

    page.click("text=Add topic")
    page.fill("#id_code", "lighting")
    page.fill("#id_name", "Again")
    page.click("button:has-text('Save')")
    expect(page.locator('[data-field="code"]')).to_contain_text("already used")

    page.click(".settings-menu >> text=Queues")
    page.click("text=Add queue")
    page.fill("#id_code", "front")
    page.fill("#id_name", "Front office")
    page.check("label:has-text('Street lighting') >> input")
    page.select_option("#id_strategy", "round_robin")
    page.click("button:has-text('Save')")
    row = page.locator("table.crud tbody tr", has_text="Front office")
    expect(row).to_contain_text("Street lighting")
    expect(row).to_contain_text("Round robin")
    _shot(page, "settings-queues")

    row.locator("text=Members").click()
    page.click("text=Add queue member")
    page.select_option("#id_user", label=tenant_a.operator.username)
    page.click("button:has-text('Save')")
    expect(page.locator("table.crud")).to_contain_text(tenant_a.operator.username)

    queue = Queue.objects.get(organization=tenant_a.org, code="front")
    assert QueueMember.objects.filter(queue=queue, user=tenant_a.operator).exists()
    assert AuditEntry.objects.filter(object_type="routing.queue", action="create").exists()
    assert page.evaluate("location.pathname").startswith(f"/desk/{slug}/settings/")


def test_a_supervisor_sees_catalogue_and_routing_only(live_server, tenant_a, page):
    from playwright.sync_api import expect

    _login(page, live_server.url, tenant_a.supervisor)
    page.goto(f"{live_server.url}/desk/{tenant_a.org.slug}/settings/")
    menu = page.locator(".settings-menu")
    expect(menu).to_contain_text("Topics")
    expect(menu).to_contain_text("Queues")
    expect(menu).not_to_contain_text("Penalty rules")
    _shot(page, "settings-index-supervisor")
