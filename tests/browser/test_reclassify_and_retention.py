"""In a real Chromium: an operator reclassifies a case from its page (the subject list follows
the topic through htmx, the case moves to the queue a rule chooses), and an administrator
shortens the retention period, reads how many customers it makes due and confirms. With
HELPLINE_SCREENSHOTS=<dir> the run saves the screenshots of docs/desk.md and
docs/customers.md."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from helpline.cases.models import Case, Subject, Topic
from helpline.cases.services import open_case
from helpline.customers import gdpr
from helpline.customers.models import Customer, RetentionPolicy
from helpline.customers.services import create_customer
from helpline.lib.actors import Actor
from helpline.routing import configuration as routing_config
from helpline.routing import rules
from helpline.routing.models import Queue

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop, not ours (see desk test)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PASSWORD = "pw-Helpline-1"
SCREENSHOTS = os.environ.get("HELPLINE_SCREENSHOTS", "")
SYSTEM = Actor.system("tests")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    rules.clear_cache()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1360, "height": 900}, locale="en-GB", timezone_id="Europe/Rome"
        )
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()
    rules.clear_cache()


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def _login(page: Any, url: str, user: Any) -> None:
    page.goto(url + "/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_operator_reclassifies_a_case_and_it_moves_queue(live_server, tenant_a, page):
    from playwright.sync_api import expect

    org = tenant_a.org
    roads = Topic.objects.create(organization=org, code="roads", name="Roads")
    potholes = Subject.objects.create(
        organization=org, topic=roads, code="potholes", name="Potholes"
    )
    front = Queue.objects.create(organization=org, code="front", name="Front office")
    works = Queue.objects.create(organization=org, code="works", name="Public works")
    for name, queue, topics in (("Roads", works, [roads.pk]), ("Everything", front, [])):
        routing_config.create_rule(
            org=org,
            actor=SYSTEM,
            data=routing_config.RuleData(name=name, queue_id=queue.pk, topic_ids=topics),
        )
    case = open_case(
        org=org,
        actor=tenant_a.actor,
        channel="phone",
        case_type="information",
        title="Hole in Via Roma",
        topic_id=tenant_a.topic.pk,
    )
    assert case.queue_id == front.pk

    _login(page, live_server.url, tenant_a.operator)
    page.goto(f"{live_server.url}/desk/{org.slug}/cases/{case.pk}/")
    form = page.locator("#classification")
    expect(form.locator("#id_cls_subject option")).to_have_count(2)  # none + "Other"
    form.locator("#id_cls_type").select_option("fault_report")
    form.locator("#id_cls_topic").select_option(str(roads.pk))
    expect(form.locator(f"#id_cls_subject option[value='{potholes.pk}']")).to_have_count(1)
    form.locator("#id_cls_subject").select_option(str(potholes.pk))
    form.locator("button[type=submit]").click()

    expect(page.locator("#case-body")).to_contain_text("Classification changed.")
    expect(page.locator("#case-body")).to_contain_text("Public works")
    expect(page.locator(".timeline")).to_contain_text("Reclassified")
    _shot(page, "case-reclassified")
    case = Case.objects.get(pk=case.pk)
    assert (case.case_type, case.subject_id, case.queue_id) == (
        "fault_report",
        potholes.pk,
        works.pk,
    )


def test_admin_shortens_retention_after_reading_the_count(live_server, tenant_a, page):
    from playwright.sync_api import expect

    org = tenant_a.org
    gdpr.set_retention_policy(org=org, actor=SYSTEM, erase_inactive_after_days=730)
    for i in range(4):
        create_customer(org=org, actor=SYSTEM, name=f"Cliente {i}")
    Customer.objects.filter(organization=org).update(
        updated_at=timezone.now() - timedelta(days=400)
    )

    _login(page, live_server.url, tenant_a.admin)
    page.goto(f"{live_server.url}/desk/{org.slug}/settings/")
    page.click("text=Data retention")
    expect(page.locator("#retention-due")).to_contain_text("0 customers")
    page.fill("#id_erase_inactive_after_days", "365")
    expect(page.locator("#retention-due")).to_contain_text("4 customers are due")
    _shot(page, "retention-settings")
    page.click("#retention-form button[type=submit]")
    expect(page.locator("#retention-confirm")).to_contain_text(
        "With a period of 365 days, 4 customers will be pseudonymised within the hour."
    )
    assert RetentionPolicy.objects.get(organization=org).erase_inactive_after_days == 730
    page.click("text=Save and pseudonymise them")
    expect(page.locator("body")).to_contain_text("Retention policy saved.")
    assert RetentionPolicy.objects.get(organization=org).erase_inactive_after_days == 365
