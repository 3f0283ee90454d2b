"""A supervisor, in a real Chromium, sees SLA badges with the time left on the case list,
sorts by due time, opens the at-risk screen with a breached case, and reads the month's
penalty statement. With HELPLINE_SCREENSHOTS=<dir> the run saves the screenshots of
docs/sla.md."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from helpline.cases.services import add_message, change_status, open_case
from helpline.sla.models import (
    Calendar,
    OpeningSlot,
    PenaltyKind,
    PenaltyRule,
    Policy,
    PolicyTarget,
    TargetKind,
    TargetUnit,
)
from helpline.sla.ticker import tick

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


def _seed(tenant: Any) -> list[Any]:
    org, actor = tenant.org, tenant.actor
    always = Calendar.objects.create(organization=org, name="24/7", time_zone="Europe/Rome")
    for wd in range(7):
        OpeningSlot.objects.create(calendar=always, weekday=wd, start=time(0), end=time(0))
    office = Calendar.objects.create(
        organization=org,
        name="Uffici comunali",
        time_zone="Europe/Rome",
        holiday_country="IT",
        holiday_subdivision="RM",
        is_default=True,
    )
    for wd in range(5):
        OpeningSlot.objects.create(calendar=office, weekday=wd, start=time(8, 30), end=time(12, 30))
        OpeningSlot.objects.create(calendar=office, weekday=wd, start=time(14), end=time(17))
    urgent = Policy.objects.create(
        organization=org, name="Emergenze", urgency="emergency", position=1, calendar=always
    )
    PolicyTarget.objects.create(
        policy=urgent,
        kind=TargetKind.FIRST_RESPONSE,
        amount=30,
        unit=TargetUnit.MINUTES,
        business_time=False,
    )
    PolicyTarget.objects.create(
        policy=urgent, kind=TargetKind.ON_SITE, amount=2, unit=TargetUnit.HOURS, business_time=False
    )
    written = Policy.objects.create(organization=org, name="Richieste scritte", position=2)
    PolicyTarget.objects.create(
        policy=written, kind=TargetKind.FIRST_RESPONSE, amount=8, unit=TargetUnit.HOURS
    )
    PolicyTarget.objects.create(
        policy=written, kind=TargetKind.RESOLUTION, amount=5, unit=TargetUnit.WORKING_DAYS
    )
    PenaltyRule.objects.create(
        organization=org,
        name="Risoluzione in ritardo",
        kind=PenaltyKind.PER_WORKING_DAY,
        amount=Decimal("25"),
        target_kind=TargetKind.RESOLUTION,
        monthly_cap=Decimal("500"),
    )
    PenaltyRule.objects.create(
        organization=org,
        name="Pronto intervento in ritardo",
        kind=PenaltyKind.PER_HOUR,
        amount=Decimal("100"),
        target_kind=TargetKind.ON_SITE,
    )
    now = timezone.now()
    samples = [
        ("Water on the road after a burst pipe", "phone", "emergency", timedelta(hours=3)),
        ("Certificate of residence by e-mail", "email", "normal", timedelta(days=9)),
        ("Lamp post flickering in Via Roma", "web", "normal", timedelta(hours=2)),
        ("Gas smell near the school", "phone", "emergency", timedelta(minutes=10)),
        ("Bulky waste collection request", "email", "low", timedelta(days=1)),
    ]
    cases = []
    for title, channel, urgency, age in samples:
        cases.append(
            open_case(
                org=org,
                actor=actor,
                channel=channel,
                case_type="information",
                title=title,
                urgency=urgency,
                now=now - age,
            )
        )
    add_message(case=cases[4], actor=actor, direction="outbound", body="Booked.", now=now)
    change_status(case=cases[4], actor=actor, status="waiting_customer", now=now)
    tick()
    return cases


def test_supervisor_follows_deadlines_risk_and_penalties(live_server, tenant_a, page):
    from playwright.sync_api import expect

    cases = _seed(tenant_a)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", tenant_a.supervisor.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    slug = tenant_a.org.slug

    page.goto(f"{live_server.url}/desk/{slug}/cases/?sort=due")
    expect(page.locator(".badge.sla").first).to_be_visible()
    expect(page.locator(".sla-breached").first).to_contain_text("late by")
    first_row = page.locator("table.cases tbody tr").first
    expect(first_row).to_contain_text(cases[1].protocol_number)  # the most overdue first
    _shot(page, "sla-case-list")

    page.click(f"text={cases[3].protocol_number}")
    expect(page.locator("#sla-panel")).to_contain_text("On-site intervention")
    page.click("text=Technician on site")
    expect(page.locator("#sla-panel")).to_contain_text("Met")

    page.goto(f"{live_server.url}/desk/{slug}/sla/")
    expect(page.locator("h1")).to_contain_text("at risk and breached")
    expect(page.locator("body")).to_contain_text(cases[0].protocol_number)
    expect(page.locator("body")).to_contain_text(cases[1].protocol_number)
    _shot(page, "sla-at-risk")

    page.goto(f"{live_server.url}/desk/{slug}/sla/penalties/")
    expect(page.locator("body")).to_contain_text("Totals by penalty rule")
    expect(page.locator("body")).to_contain_text(cases[0].protocol_number)
    _shot(page, "sla-statement")

    page.goto(f"{live_server.url}/desk/{slug}/sla/calendars/")
    page.click("text=Uffici comunali")
    expect(page.locator("body")).to_contain_text("08:30–12:30, 14:00–17:00")
    _shot(page, "sla-calendar")
