"""An administrator, in a real Chromium, sets up a mailbox on the settings screens pointing
at a real dovecot: a wrong password is saved as "not working" with dovecot's answer shown,
the right one tests as working; a message delivered to that IMAP account is fetched by the
poller and the case appears on the desk. With HELPLINE_SCREENSHOTS=<dir> the run saves the
screenshots of docs/channels.md."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from imap_tools import MailBoxUnencrypted

from helpline.channels.email.imap import poll_once
from helpline.channels.models import ConnectionState, Mailbox
from helpline.channels.tests import dovecot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop, not ours

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PASSWORD = "pw-Helpline-1"
SCREENSHOTS = os.environ.get("HELPLINE_SCREENSHOTS", "")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(not dovecot.available(), reason="needs dovecot and root"),
]

MAIL = (
    b"From: Giulia Bianchi <giulia@example.it>\r\nTo: urp@comune.example\r\n"
    b"Subject: Buca in via Garibaldi\r\nMessage-ID: <settings-browser-1@example.it>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nC'e' una buca profonda.\r\n"
)


@pytest.fixture
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1360, "height": 1000}, locale="en-GB", timezone_id="Europe/Rome"
        )
        context.set_default_timeout(20_000)
        yield context.new_page()
        context.close()
        browser.close()


@pytest.fixture
def imap_port() -> Iterator[int]:
    with dovecot.dovecot({"urp": "secret-urp"}) as port:
        yield port


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def test_admin_sets_up_an_imap_mailbox_and_its_mail_becomes_a_case(
    live_server: Any, tenant_a: Any, page: Any, imap_port: int
) -> None:
    from playwright.sync_api import expect

    slug = tenant_a.org.slug
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", tenant_a.admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.goto(f"{live_server.url}/desk/{slug}/settings/")
    page.click(".settings-main >> text=Mailboxes")
    expect(page.locator("h1")).to_contain_text("Mailboxes")
    page.click("text=New mailbox")
    page.fill("#id_name", "URP")
    page.fill("#id_address", "urp@comune.example")
    page.select_option("#id_topic", str(tenant_a.topic.pk))
    page.fill("#id_imap_host", "127.0.0.1")
    page.fill("#id_imap_port", str(imap_port))
    page.uncheck("#id_imap_ssl")
    page.fill("#id_imap_user", "urp")
    page.fill("#id_imap_password", "not-the-password")
    page.click("#save-mailbox")

    # saved, but as not working, with dovecot's own answer on the page
    expect(page.locator("#imap-state")).to_have_text("Not working")
    expect(page.locator("#imap-answer")).to_contain_text("AUTHENTICATIONFAILED")
    expect(page.locator(".flash-error")).to_contain_text("IMAP login failed")
    assert page.locator("#id_imap_password").input_value() == ""  # never shown back

    page.fill("#id_imap_password", "secret-urp")
    page.click("#save-mailbox")
    expect(page.locator("#imap-state")).to_have_text("Working")
    page.click("#test-imap")
    expect(page.locator(".flash-success")).to_contain_text("IMAP connection works")
    _shot(page, "settings-mailbox")

    box = Mailbox.objects.get(organization=tenant_a.org)
    assert box.imap_state == ConnectionState.WORKING and box.imap_password == "secret-urp"

    with MailBoxUnencrypted("127.0.0.1", imap_port).login("urp", "secret-urp") as mb:
        mb.append(MAIL, "INBOX", flag_set=())
    assert poll_once(box) == 1  # what the polling loop does for this mailbox

    page.goto(f"{live_server.url}/desk/{slug}/cases/")
    expect(page.locator("table.cases")).to_contain_text("Buca in via Garibaldi")

    page.goto(f"{live_server.url}/desk/{slug}/settings/mailboxes/")
    expect(page.locator("#mailbox-table")).to_contain_text("urp@comune.example")
    _shot(page, "settings-mailboxes")


def test_admin_turns_chat_on_and_previews_a_mail_template(
    live_server: Any, tenant_a: Any, page: Any
) -> None:
    from playwright.sync_api import expect

    from helpline.routing.models import Queue

    queue = Queue.objects.create(organization=tenant_a.org, name="Chat URP")
    slug = tenant_a.org.slug
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", tenant_a.admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.goto(f"{live_server.url}/{slug}/chat/?lang=en")
    expect(page.locator("#chat-closed")).to_be_visible()  # out of the box

    page.goto(f"{live_server.url}/desk/{slug}/settings/chat/")
    page.check("#id_is_enabled")
    page.select_option("#id_queue", str(queue.pk))
    page.fill("#id_greeting_en", "Hello! An operator will answer shortly.")
    page.click("#chat-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Chat settings saved")
    _shot(page, "settings-chat")
    page.goto(f"{live_server.url}/{slug}/chat/?lang=en")
    expect(page.locator("#chat-greeting")).to_have_text("Hello! An operator will answer shortly.")

    page.goto(f"{live_server.url}/desk/{slug}/settings/mail-templates/")
    page.click("#template-table a >> nth=0")
    page.fill("#id_body", "Dear {{ name }},\nyour request {{ protocol }} is registered.")
    page.click("button[name=preview]")
    body = page.locator("#preview-body")
    expect(body).to_contain_text("Dear Maria O'Brien & Sons <maria@example.org>,")
    expect(body).to_contain_text("Privacy notice: ")
    _shot(page, "settings-mail-template")
