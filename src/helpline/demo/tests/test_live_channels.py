"""The demo tenants are live on every channel the demo shows: chat on, a published privacy
notice per channel, active mailboxes the local intake receives for, routing rules with a
default queue, and a mail sent to a demo mailbox opens a case in the right queue whose
acknowledgement lands in the mail catcher as plain text."""

from __future__ import annotations

import email
import io
from collections.abc import Iterator
from email import policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP
from django.core.management import call_command

from helpline.audit.models import AuditEntry
from helpline.cases.choices import Status
from helpline.cases.models import Case
from helpline.channels.email.smtp import make_smtp
from helpline.channels.models import ChatSettings, Mailbox
from helpline.channels.tests.servers import LoopThread
from helpline.demo.catcher import CatcherHandler
from helpline.demo.loader import TENANTS, reset_demo
from helpline.demo.tests.conftest import NOW
from helpline.events.models import ContactEvent, EventKind
from helpline.lib.actors import ActorKind
from helpline.notify import outbox
from helpline.notify.models import MailTemplate, NotificationSettings, OutboundEmail
from helpline.portal.selectors import current_notice
from helpline.routing.models import RoutingRule, RoutingSettings
from helpline.tenancy.models import Membership, Organization, Role


@pytest.fixture(scope="module")
def catcher_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("caught")


@pytest.fixture(scope="module")
def catcher(catcher_dir: Path) -> Iterator[LoopThread]:
    """The demo's mail catcher, on a free port, for the whole module."""
    handler = CatcherHandler(catcher_dir)
    with LoopThread(lambda: SMTP(handler, decode_data=False)) as server:
        yield server


@pytest.fixture(scope="module")
def live_demo(
    catcher: LoopThread, django_db_setup: Any, django_db_blocker: Any
) -> Iterator[dict[str, Organization]]:
    """A small demo whose mailboxes send through the catcher above (committed)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("HELPLINE_MAIL_CATCHER_PORT", str(catcher.port))
    with django_db_blocker.unblock():
        call_command(
            "load_demo", customers=12, cases=40, seed=3, now=NOW.isoformat(), stdout=io.StringIO()
        )
        try:
            yield {
                o.slug: o for o in Organization.objects.filter(slug__in=[t.slug for t in TENANTS])
            }
        finally:
            mp.undo()
            reset_demo(out=lambda _line: None)


def default_queue_for(org_id: int) -> int | None:
    return (
        RoutingSettings.objects.filter(organization_id=org_id)
        .values_list("default_queue_id", flat=True)
        .first()
    )


@pytest.mark.django_db
def test_every_demo_tenant_is_live_on_its_channels(live_demo: dict[str, Organization]) -> None:
    assert len(live_demo) == len(TENANTS)
    for org in live_demo.values():
        chat = ChatSettings.objects.get(organization=org)
        assert chat.is_enabled and chat.queue_id is not None and chat.calendar_id is not None
        assert chat.greetings.get(org.language)
        for channel in ("web", "chat", "email"):
            for language in (org.language, "en"):
                notice = current_notice(org=org, channel=channel, language=language)
                assert notice is not None and notice.published_at is not None
                assert notice.channel == channel and notice.language == language
        boxes = list(Mailbox.objects.filter(organization=org))
        assert len(boxes) >= 2 and all(b.is_active for b in boxes)
        assert all(b.smtp_host == "127.0.0.1" for b in boxes)
        assert RoutingRule.objects.filter(organization=org, is_active=True).exists()
        assert default_queue_for(org.pk) is not None
        assert NotificationSettings.objects.get(organization=org).on_closed
        assert MailTemplate.objects.filter(organization=org, kind="ack", language=org.language)
        # through the services: each setting has its audit entry
        audited = set(
            AuditEntry.objects.filter(organization_id=org.pk).values_list("object_type", flat=True)
        )
        assert {
            "helpline_channels.mailbox",
            "helpline_channels.chatsettings",
            "portal.privacynotice",
        } <= audited
        # every open case waits in exactly one queue; only closed ones may be in none
        assert not Case.objects.filter(organization=org, queue__isnull=True).exclude(
            status=Status.CLOSED
        )
        # the history's mail went out when it happened: nothing old is left to send
        assert not OutboundEmail.objects.filter(organization=org, state="queued").exists()


@pytest.mark.django_db
def test_the_demo_presents_no_automatic_closing(live_demo: dict[str, Organization]) -> None:
    """Nothing closes cases by itself in Helpline: in the demo's history people close them."""
    closings = ContactEvent.objects.filter(
        organization__in=live_demo.values(), kind=EventKind.STATUS_CHANGED, data__to="closed"
    )
    assert closings.exists()
    assert not closings.exclude(actor_kind=ActorKind.USER).exists()


@pytest.mark.django_db
def test_demo_logins_name_an_administrator_per_tenant_and_how_to_send_a_mail(
    live_demo: dict[str, Organization],
) -> None:
    out = io.StringIO()
    call_command("demo_logins", smtp_port=2626, mail_dir="/tmp/caught", stdout=out)
    text = out.getvalue()
    for org in live_demo.values():
        admin = Membership.objects.filter(organization=org, role=Role.ADMIN).first()
        assert admin is not None
        assert f"{org.name}: {admin.user.username}" in text
        assert f"/desk/{org.slug}/settings/" in text
    assert "urp@comune-valdoria.example" in text and "127.0.0.1:2626" in text
    assert "demo_send_mail" in text and "/tmp/caught" in text


# Last: a transactional test empties the database when it ends.
@pytest.mark.django_db(transaction=True)
def test_a_mail_to_a_demo_mailbox_opens_a_case_and_its_acknowledgement_is_caught(
    live_demo: dict[str, Organization], catcher_dir: Path
) -> None:
    org = live_demo["comune-valdoria"]
    box = Mailbox.objects.get(organization=org, address="urp@comune-valdoria.example")
    before = set(catcher_dir.iterdir())
    with LoopThread(make_smtp) as intake:
        call_command(
            "demo_send_mail",
            port=intake.port,
            to=box.address,
            sender="giulia.oneill@example.org",
            name="Giulia O'Neill",
            subject='Lampione spento all\'incrocio "A & B"',
            body="Il lampione davanti al civico 3 è spento da due sere.",
            stdout=io.StringIO(),
        )
        call_command(
            "demo_send_mail",
            port=intake.port,
            to="protocollo@pec.comune-valdoria.example",
            sender="studio.bianchi@example.org",
            subject="Istanza di accesso agli atti",
            body="Si chiede copia della delibera n. 12.",
            stdout=io.StringIO(),
        )
    pec_case = Case.objects.get(organization=org, title="Istanza di accesso agli atti")
    assert pec_case.channel == "pec"
    assert pec_case.queue is not None and pec_case.queue.code == "protocollo-pec"  # its rule
    case = Case.objects.get(organization=org, title__startswith="Lampione spento all'incrocio")
    assert case.channel == "email"
    assert case.queue_id == default_queue_for(org.pk)  # an unknown sender: the default queue
    assert outbox.send_due() >= 1
    caught = [p for p in catcher_dir.iterdir() if p not in before and "giulia.oneill" in p.name]
    assert len(caught) == 1
    msg = email.message_from_bytes(caught[0].read_bytes(), policy=policy.default)
    assert msg["To"] == "giulia.oneill@example.org"
    assert msg["From"].addresses[0].addr_spec == box.address
    assert case.protocol_number in msg["Subject"]
    body = msg.get_content()
    assert 'Lampione spento all\'incrocio "A & B"' in body  # the tenant's own wording
    assert "URP - Comune di Valdoria" in body
    assert "&#x27;" not in body and "&amp;" not in body and "&quot;" not in body
