"""The channel screens of the settings area: who may open them (administrators; mail
templates also supervisors), tenant isolation (another tenant's id is a 404), audited
writes, passwords never shown back, field errors with nothing half-written, and what the
settings change for customers (chat open, topics offered, privacy notices, mail wording)."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.urls import reverse

from helpline.audit.models import AuditEntry
from helpline.cases.models import Topic
from helpline.channels.models import ChatSettings, ConnectionState, Mailbox, WebFormSettings
from helpline.notify.models import MailTemplate
from helpline.portal.models import PrivacyNotice
from helpline.routing.models import Queue
from helpline.sla.models import Calendar

if TYPE_CHECKING:
    from conftest import Tenant

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _closed_port() -> int:
    """A loopback port nobody listens on: a login there is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mailbox(tenant: Tenant, **extra: Any) -> Mailbox:
    return Mailbox.objects.create(
        organization=tenant.org, name="URP", address=f"urp@{tenant.org.slug}.example", **extra
    )


def _notice(tenant: Tenant, **extra: Any) -> PrivacyNotice:
    fields: dict[str, Any] = {"version": "v1", "text": "Testo", **extra}
    return PrivacyNotice.objects.create(organization=tenant.org, **fields)


def _channel_pages(t: Tenant, box: Mailbox, notice: PrivacyNotice) -> list[str]:
    s = t.org.slug
    return [
        reverse("configuration:mailboxes", args=[s]),
        reverse("configuration:mailbox_new", args=[s]),
        reverse("configuration:mailbox_edit", args=[s, box.pk]),
        reverse("configuration:chat", args=[s]),
        reverse("configuration:webform", args=[s]),
        reverse("configuration:notices", args=[s]),
        reverse("configuration:notice_new", args=[s]),
        reverse("configuration:notice_edit", args=[s, notice.pk]),
    ]


def _template_pages(t: Tenant) -> list[str]:
    s = t.org.slug
    return [
        reverse("configuration:mail_templates", args=[s]),
        reverse("configuration:mail_template_edit", args=[s, "ack", "it"]),
    ]


def test_channel_screens_open_for_admins_only_templates_for_supervisors_too(
    tenant_a: Tenant,
) -> None:
    box, notice = _mailbox(tenant_a), _notice(tenant_a)
    admin, sup, op = (_client(u) for u in (tenant_a.admin, tenant_a.supervisor, tenant_a.operator))
    for url in _channel_pages(tenant_a, box, notice):
        assert admin.get(url).status_code == 200, url
        assert sup.get(url).status_code == 403, url
        assert op.get(url).status_code == 403, url
    for url in _template_pages(tenant_a):
        assert admin.get(url).status_code == 200, url
        assert sup.get(url).status_code == 200, url
        assert op.get(url).status_code == 403, url
    # writes are refused the same way
    post = reverse("configuration:mailbox_active", args=[tenant_a.org.slug, box.pk])
    assert sup.post(post, {"active": "0"}).status_code == 403
    assert op.post(post, {"active": "0"}).status_code == 403
    box.refresh_from_db()
    assert box.is_active


def test_another_tenants_mailbox_and_notice_are_404(tenant_a: Tenant, tenant_b: Tenant) -> None:
    box_b, notice_b = _mailbox(tenant_b), _notice(tenant_b)
    admin = _client(tenant_a.admin)
    s = tenant_a.org.slug
    for url, method in (
        (reverse("configuration:mailbox_edit", args=[s, box_b.pk]), "get"),
        (reverse("configuration:mailbox_edit", args=[s, box_b.pk]), "post"),
        (reverse("configuration:mailbox_test", args=[s, box_b.pk, "imap"]), "post"),
        (reverse("configuration:mailbox_active", args=[s, box_b.pk]), "post"),
        (reverse("configuration:notice_edit", args=[s, notice_b.pk]), "get"),
        (reverse("configuration:notice_publish", args=[s, notice_b.pk]), "post"),
        (reverse("configuration:notice_delete", args=[s, notice_b.pk]), "post"),
        (reverse("configuration:notice_new", args=[s]) + f"?from={notice_b.pk}", "get"),
    ):
        assert getattr(admin, method)(url).status_code == 404, url
    # and another tenant's settings area as a whole
    for url in _channel_pages(tenant_b, box_b, notice_b) + _template_pages(tenant_b):
        assert admin.get(url).status_code == 404, url
    box_b.refresh_from_db()
    assert box_b.is_active and PrivacyNotice.objects.filter(pk=notice_b.pk).exists()


def _mailbox_post(tenant: Tenant, **extra: Any) -> dict[str, Any]:
    data = {
        "name": "Protocollo PEC",
        "address": "Protocollo@PEC.comune.example",
        "kind": "pec",
        "purpose": "requests",
        "topic": str(tenant.topic.pk),
        "queue": "",
        "closed_case_policy": "reopen",
        "imap_host": "",
        "imap_port": "993",
        "imap_ssl": "on",
        "imap_user": "",
        "imap_password": "",
        "imap_folder": "INBOX",
        "smtp_host": "",
        "smtp_port": "465",
        "smtp_security": "tls",
        "smtp_user": "",
        "smtp_password": "",
    }
    data.update(extra)
    return data


def test_admin_creates_a_mailbox_audited_and_its_password_is_never_shown_back(
    tenant_a: Tenant,
) -> None:
    admin = _client(tenant_a.admin)
    s = tenant_a.org.slug
    port = _closed_port()
    r = admin.post(
        reverse("configuration:mailbox_new", args=[s]),
        _mailbox_post(
            tenant_a,
            imap_host="127.0.0.1",
            imap_port=str(port),
            imap_ssl="",
            imap_user="pec",
            imap_password="s3cret-Pw",
        ),
    )
    assert r.status_code == 302
    box = Mailbox.objects.get(organization=tenant_a.org)
    assert box.address == "protocollo@pec.comune.example" and box.kind == "pec"
    assert box.topic_id == tenant_a.topic.pk and box.imap_password == "s3cret-Pw"
    # the login was tried at once: refused, saved as not working with the answer
    assert box.imap_state == ConnectionState.FAILING
    assert "refused" in box.imap_check_answer.lower()
    created = AuditEntry.objects.get(object_type="helpline_channels.mailbox", action="create")
    assert created.actor_user_id == tenant_a.admin.pk
    assert "s3cret-Pw" not in str(created.changes)
    assert created.changes["imap_password"] == [None, "(changed)"]

    page = admin.get(reverse("configuration:mailbox_edit", args=[s, box.pk]))
    html = page.content.decode()
    assert "s3cret-Pw" not in html
    assert "Not working" in html or "Non funzionante" in html
    assert box.imap_check_answer[:20] in html

    # saved again with the password left empty: the stored one is kept
    r = admin.post(
        reverse("configuration:mailbox_edit", args=[s, box.pk]),
        _mailbox_post(
            tenant_a,
            name="PEC",
            imap_host="127.0.0.1",
            imap_port=str(port),
            imap_ssl="",
            imap_user="pec",
        ),
    )
    assert r.status_code == 302
    box.refresh_from_db()
    assert box.name == "PEC" and box.imap_password == "s3cret-Pw"
    update = AuditEntry.objects.filter(
        object_type="helpline_channels.mailbox", action="update", changes__has_key="name"
    ).get()
    assert update.changes["name"] == ["Protocollo PEC", "PEC"]
    assert "imap_password" not in update.changes


def test_bad_mailbox_input_names_the_field_and_writes_nothing(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    admin = _client(tenant_a.admin)
    s = tenant_a.org.slug
    _mailbox(tenant_b)
    url = reverse("configuration:mailbox_new", args=[s])
    audit_before = AuditEntry.objects.count()
    # another tenant's topic id (not even offered), then an address another tenant has
    r = admin.post(url, _mailbox_post(tenant_a, topic=str(tenant_b.topic.pk)))
    assert r.status_code == 422 and "topic" in r.context["form"].errors
    r = admin.post(url, _mailbox_post(tenant_a, address=f"URP@{tenant_b.org.slug}.example"))
    assert r.status_code == 422 and "address" in r.context["form"].errors
    # an IMAP host without a user and password
    r = admin.post(url, _mailbox_post(tenant_a, imap_host="127.0.0.1"))
    assert r.status_code == 422
    assert "imap_user" in r.context["form"].errors
    assert "imap_password" in r.context["form"].errors
    assert not Mailbox.objects.filter(organization=tenant_a.org).exists()
    assert AuditEntry.objects.count() == audit_before


def test_disabling_a_mailbox_is_audited(tenant_a: Tenant) -> None:
    box = _mailbox(tenant_a)
    admin = _client(tenant_a.admin)
    url = reverse("configuration:mailbox_active", args=[tenant_a.org.slug, box.pk])
    assert admin.post(url, {"active": "0"}).status_code == 302
    box.refresh_from_db()
    assert not box.is_active
    entry = AuditEntry.objects.get(object_type="helpline_channels.mailbox", action="update")
    assert entry.changes == {"is_active": [True, False]}


def test_turning_chat_on_opens_it_on_the_portal_with_the_greeting(tenant_a: Tenant) -> None:
    queue = Queue.objects.create(organization=tenant_a.org, name="Chat")
    portal = Client(headers={"Accept-Language": "it"})
    chat_url = reverse("portal:chat_start", args=[tenant_a.org.slug])
    assert 'id="chat-closed"' in portal.get(chat_url).content.decode()  # out of the box

    admin = _client(tenant_a.admin)
    url = reverse("configuration:chat", args=[tenant_a.org.slug])
    # on without a queue: refused, named, nothing stored
    r = admin.post(url, {"is_enabled": "on", "queue": "", "calendar": ""})
    assert r.status_code == 422 and "queue" in r.context["form"].errors
    assert not ChatSettings.objects.exists()

    r = admin.post(
        url,
        {
            "is_enabled": "on",
            "queue": str(queue.pk),
            "calendar": "",
            "greeting_it": "Buongiorno! Come possiamo aiutarla?",
            "greeting_en": "Hello! How can we help?",
        },
    )
    assert r.status_code == 302
    chat = ChatSettings.objects.get(organization=tenant_a.org)
    assert chat.is_enabled and chat.queue_id == queue.pk
    assert chat.greetings["it"].startswith("Buongiorno")
    assert AuditEntry.objects.filter(object_type="helpline_channels.chatsettings").count() == 1
    page = portal.get(chat_url).content.decode()
    assert 'id="chat-start"' in page and "Buongiorno! Come possiamo aiutarla?" in page

    # a business calendar with no opening hours closes it
    closed = Calendar.objects.create(organization=tenant_a.org, name="Mai", time_zone="Europe/Rome")
    r = admin.post(url, {"is_enabled": "on", "queue": str(queue.pk), "calendar": str(closed.pk)})
    assert r.status_code == 302
    assert 'id="chat-closed"' in portal.get(chat_url).content.decode()


def test_chat_refuses_another_tenants_queue_and_calendar(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    q_b = Queue.objects.create(organization=tenant_b.org, name="B")
    cal_b = Calendar.objects.create(organization=tenant_b.org, name="B", time_zone="UTC")
    from helpline.channels import configuration
    from helpline.lib.errors import FieldValidationError

    with pytest.raises(FieldValidationError) as exc:
        configuration.save_chat_settings(
            org=tenant_a.org,
            actor=tenant_a.actor,
            data=configuration.ChatData(is_enabled=True, queue_id=q_b.pk, calendar_id=cal_b.pk),
        )
    assert set(exc.value.errors) == {"queue_id", "calendar_id"}
    assert not ChatSettings.objects.exists()


def test_web_form_offers_only_the_chosen_topics_and_stores_the_limits(tenant_a: Tenant) -> None:
    other = Topic.objects.create(organization=tenant_a.org, code="waste", name="Rifiuti")
    admin = _client(tenant_a.admin)
    url = reverse("configuration:webform", args=[tenant_a.org.slug])
    form_url = reverse("portal:form", args=[tenant_a.org.slug])
    assert "Rifiuti" in Client().get(form_url).content.decode()
    r = admin.post(
        url,
        {
            "topics": [str(tenant_a.topic.pk)],
            "attachments_allowed": "on",
            "max_attachments": "2",
            "max_attachment_bytes": "1000000",
            "max_per_ip_per_hour": "4",
            "max_per_email_per_hour": "2",
        },
    )
    assert r.status_code == 302
    row = WebFormSettings.objects.get(organization=tenant_a.org)
    assert list(row.topics.all()) == [tenant_a.topic]
    assert (row.max_attachments, row.max_per_ip_per_hour, row.max_per_email_per_hour) == (2, 4, 2)
    page = Client().get(form_url).content.decode()
    assert tenant_a.topic.name in page and other.name not in page
    entry = AuditEntry.objects.get(object_type="helpline_channels.webformsettings")
    assert entry.changes["topics"] == [[], [tenant_a.topic.pk]]
    # bad input: named, nothing changed
    r = admin.post(url, {"max_attachments": "-1", "max_attachment_bytes": "0"})
    assert r.status_code == 422
    errors = r.context["form"].errors
    assert "max_attachments" in errors and "max_attachment_bytes" in errors
    row.refresh_from_db()
    assert row.max_attachments == 2


def test_privacy_notices_per_channel_and_language_are_drafted_then_published(
    tenant_a: Tenant,
) -> None:
    admin = _client(tenant_a.admin)
    s = tenant_a.org.slug
    form_url = reverse("portal:form", args=[s])
    r = admin.post(
        reverse("configuration:notice_new", args=[s]),
        {"channel": "web", "language": "it", "version": "2026-1", "text": "Informativa web."},
    )
    assert r.status_code == 302
    notice = PrivacyNotice.objects.get(organization=tenant_a.org)
    assert notice.published_at is None
    it = Client(headers={"Accept-Language": "it"})
    assert "Informativa web." not in it.get(form_url).content.decode()  # a draft shows nowhere

    r = admin.post(reverse("configuration:notice_publish", args=[s, notice.pk]))
    assert r.status_code == 302
    assert "Informativa web." in it.get(form_url).content.decode()
    en = Client(headers={"Accept-Language": "en"})
    assert "Informativa web." not in en.get(form_url).content.decode()  # other language

    # a published version cannot be changed (its consents name it)
    r = admin.post(
        reverse("configuration:notice_edit", args=[s, notice.pk]),
        {"channel": "web", "language": "it", "version": "2026-1", "text": "Cambiato."},
    )
    assert r.status_code in (200, 422)
    notice.refresh_from_db()
    assert notice.text == "Informativa web."

    # the chat's own notice, for every language, published in one step
    r = admin.post(
        reverse("configuration:notice_new", args=[s]),
        {
            "channel": "chat",
            "language": "",
            "version": "c1",
            "text": "Informativa chat.",
            "publish": "1",
        },
    )
    assert r.status_code == 302
    ChatSettings.objects.create(
        organization=tenant_a.org,
        is_enabled=True,
        queue=Queue.objects.create(organization=tenant_a.org, name="C"),
    )
    page = en.get(reverse("portal:chat_start", args=[s])).content.decode()
    assert "Informativa chat." in page and "Informativa web." not in page
    assert AuditEntry.objects.filter(object_type="portal.privacynotice").count() == 4


def test_the_acknowledgement_links_the_email_privacy_notice(tenant_a: Tenant) -> None:
    from helpline.cases.services import open_case
    from helpline.customers.services import create_customer
    from helpline.notify.services import render_mail

    _notice(tenant_a, channel="email", language="it", published_at="2026-01-01T00:00:00Z")
    customer = create_customer(
        org=tenant_a.org, actor=tenant_a.actor, name="Maria Rossi", email="m@example.it"
    )
    case = open_case(
        org=tenant_a.org,
        actor=tenant_a.actor,
        channel="email",
        case_type="information",
        title="Lampione",
        requester_id=customer.pk,
    )
    _subject, text = render_mail(case=case, kind="ack")
    link = f"/{tenant_a.org.slug}/privacy/?channel=email&lang=it"
    assert link in text
    page = Client().get(link).content.decode()
    assert "Testo" in page


def test_mail_template_preview_is_plain_text_and_a_saved_template_is_used(
    tenant_a: Tenant,
) -> None:
    s = tenant_a.org.slug
    sup = _client(tenant_a.supervisor)  # the matrix lets supervisors edit templates
    url = reverse("configuration:mail_template_edit", args=[s, "ack", "it"])
    body = "Gentile {{ name }},\nprotocollo {{ protocol }} — {{ title }}.\n{{ organization }}"
    r = sup.post(url, {"subject": "[{{ protocol }}] Ricevuta", "body": body, "preview": "1"})
    assert r.status_code == 200
    subject, text = r.context["preview"]
    assert subject.startswith("[CMN-2026-0000042]")
    assert "Maria O'Brien & Sons <maria@example.org>" in text
    assert "&amp;" not in text and "&#x27;" not in text and "&lt;" not in text
    assert not MailTemplate.objects.exists()  # a preview saves nothing

    r = sup.post(url, {"subject": "[{{ protocol }}] Ricevuta", "body": "{% if %}"})
    assert r.status_code == 422 and "body" in r.context["form"].errors
    assert not MailTemplate.objects.exists()

    r = sup.post(url, {"subject": "[{{ protocol }}] Ricevuta", "body": body})
    assert r.status_code == 302
    row = MailTemplate.objects.get(organization=tenant_a.org, kind="ack", language="it")
    assert row.body == body
    assert AuditEntry.objects.filter(object_type="notify.mailtemplate", action="create").exists()
    bad = reverse("configuration:mail_template_edit", args=[s, "nope", "it"])
    assert sup.get(bad).status_code == 404


def test_mailbox_list_reads_a_fixed_number_of_queries(
    tenant_a: Tenant, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = _client(tenant_a.admin)
    url = reverse("configuration:mailboxes", args=[tenant_a.org.slug])
    queue = Queue.objects.create(organization=tenant_a.org, name="URP")
    _mailbox(tenant_a, topic=tenant_a.topic, queue=queue)
    with CaptureQueriesContext(connection) as one:
        assert admin.get(url).status_code == 200
    for n in range(5):
        Mailbox.objects.create(
            organization=tenant_a.org,
            name=f"Box {n}",
            address=f"box{n}@comune.example",
            topic=tenant_a.topic,
            queue=queue,
        )
    with CaptureQueriesContext(connection) as six:
        page = admin.get(url)
    assert "box4@comune.example" in page.content.decode()
    assert len(six.captured_queries) == len(one.captured_queries)


def test_deleting_a_draft_notice_and_a_template_is_audited(tenant_a: Tenant) -> None:
    admin = _client(tenant_a.admin)
    s = tenant_a.org.slug
    draft = _notice(tenant_a)
    published = _notice(tenant_a, version="v0", published_at="2026-01-01T00:00:00Z")
    assert admin.post(reverse("configuration:notice_delete", args=[s, draft.pk])).status_code == 302
    assert (
        admin.post(reverse("configuration:notice_delete", args=[s, published.pk])).status_code
        == 302
    )
    assert list(PrivacyNotice.objects.values_list("version", flat=True)) == ["v0"]
    entry = AuditEntry.objects.get(object_type="portal.privacynotice", action="delete")
    assert entry.object_id == str(draft.pk)

    MailTemplate.objects.create(
        organization=tenant_a.org, kind="reply", language="en", subject="s", body="b"
    )
    url = reverse("configuration:mail_template_edit", args=[s, "reply", "en"])
    assert admin.post(url, {"subject": "s", "body": "b", "delete": "1"}).status_code == 302
    assert not MailTemplate.objects.exists()
    assert AuditEntry.objects.filter(object_type="notify.mailtemplate", action="delete").exists()
