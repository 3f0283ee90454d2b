"""An operator, in a real Chromium, types a misspelled name into the header search box, opens
the customer, passes the identity check and adds a service account. With
HELPLINE_SCREENSHOTS=<dir> the run also saves the screenshots used in docs/customers.md."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpline.cases.services import open_case
from helpline.customers import gdpr, services
from helpline.customers.models import ServiceAccount

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

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
        context = browser.new_context(
            viewport={"width": 1360, "height": 900}, locale="en-GB", timezone_id="Europe/Rome"
        )
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def _seed(tenant: Any) -> Any:
    org, actor = tenant.org, tenant.actor
    target = None
    for name, street in [
        ("Francesco Cicciò Esposito", "Via Garibaldi"),
        ("Francesca Ciccio", "Via Roma"),
        ("Franco Esposti", "Via Mazzini"),
        ("Maria Cicciarelli", "Vicolo dei Mille"),
        ("Anna Espósito", "Via Garibaldi"),
    ]:
        c = services.create_customer(
            org=org, actor=actor, name=name, phone="333 123 4567", email="f.esposito@example.it"
        )
        services.add_address(
            customer=c,
            actor=actor,
            street=street,
            house_number="12",
            municipality="Valdoria",
            postcode="50123",
        )
        target = target or c
    services.add_identifier(customer=target, actor=actor, value="RSSMRA85T10A562S")
    services.set_security_question(
        customer=target, actor=actor, question="Nome del primo animale domestico?", answer="Fido"
    )
    services.create_account(
        customer=target,
        actor=actor,
        identity_check=None,
        checked=False,
        account_number="VAL-000123",
        municipal_registration="12.0345",
    )
    services.create_asset(
        org=org,
        actor=actor,
        code="LP-0042",
        kind="street_light",
        location="Via Garibaldi 10",
        customer_id=target.pk,
    )
    gdpr.record_consent(
        customer=target, actor=actor, purpose="sms reminders", granted=True, notice_version="2.1"
    )
    for title in ("Lamp post flickering in Via Garibaldi", "Bulky waste collection"):
        open_case(
            org=org,
            actor=actor,
            channel="phone",
            case_type="fault_report",
            title=title,
            requester_id=target.pk,
        )
    return target


def test_operator_finds_a_misspelled_customer_checks_identity_and_adds_an_account(
    live_server, tenant_a, page
):
    from playwright.sync_api import expect

    target = _seed(tenant_a)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", tenant_a.operator.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/desk/{tenant_a.org.slug}/cases/$"))

    page.fill("#global-search", "francesco cicio esposto")
    page.press("#global-search", "Enter")
    first = page.locator("#customer-results tbody tr").first
    expect(first).to_contain_text("Francesco Cicciò Esposito")
    expect(first.locator("mark")).to_have_count(3)
    _shot(page, "customer-search")

    first.locator("a").click()
    expect(page.locator("h1")).to_have_text("Francesco Cicciò Esposito")
    expect(page.locator("#accounts")).to_contain_text("VAL-000123")
    page.select_option("#identity select[name=method]", "question")
    page.click("#identity button[type=submit]")
    expect(page.locator("#identity")).to_contain_text("Nome del primo animale domestico?")
    page.fill("#identity input[name=answer]", "fido")
    page.click("#identity button[type=submit]")
    expect(page.locator("#identity")).to_contain_text("Identity verified")
    page.fill("#accounts input[name=account_number]", "VAL-000999")
    page.fill("#accounts form:last-of-type input[name=meter_number]", "M-77")
    page.click("text=Add account")
    expect(page.locator("#accounts")).to_contain_text("VAL-000999")
    assert ServiceAccount.objects.filter(customer=target, account_number="VAL-000999").exists()
    _shot(page, "customer-page")
