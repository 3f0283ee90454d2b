"""Issue 13: under the Content-Security-Policy the desk and the portal work in a real
Chromium with no policy violation: htmx swaps, the language menu (a static script, no inline
handler), the asset QR sheet (a nonce'd style), the portal form."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpline.desk.tests.helpers import make_case

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PASSWORD = "pw-Helpline-1"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def browser_page() -> Iterator[tuple[Any, list[str]]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(locale="en-GB").new_page()
        violations: list[str] = []
        page.on(
            "console",
            lambda msg: (
                violations.append(msg.text) if "Content Security Policy" in msg.text else None
            ),
        )
        yield page, violations
        browser.close()


def test_desk_and_portal_run_under_the_policy_without_violations(
    live_server: Any, tenant_a: Any, browser_page: tuple[Any, list[str]]
) -> None:
    from playwright.sync_api import expect

    page, violations = browser_page
    case = make_case(tenant_a, title="Lampione spento")
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", tenant_a.operator.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/desk/{tenant_a.org.slug}/cases/$"))
    page.goto(f"{live_server.url}/desk/{tenant_a.org.slug}/cases/{case.pk}/")
    # An htmx form: urgency, swapped in place.
    page.select_option("#id_urgency", "high")
    page.locator("#id_urgency").locator("xpath=ancestor::form").locator("button").click()
    expect(page.locator("#id_urgency")).to_have_value("high")
    # The language menu submits itself through desk.js.
    page.select_option("#language-select", "it")
    expect(page.locator("html")).to_have_attribute("lang", "it")
    page.goto(f"{live_server.url}/desk/{tenant_a.org.slug}/assets/qr/")
    page.goto(f"{live_server.url}/{tenant_a.org.slug}/")
    expect(page.locator("form")).to_have_count(1)
    assert violations == []
