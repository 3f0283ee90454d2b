"""The new-case screen opens a counter or phone case and shows its protocol number at once;
bad input is refused with the field named and nothing half-written."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from helpline.cases.models import Attachment, Case
from helpline.customers.models import Customer
from helpline.customers.services import create_customer


def _new(client, tenant, **data):
    values = {
        "channel": "counter",
        "case_type": "information",
        "urgency": "normal",
        "severity": "minor",
        "title": "Opening hours of the registry office",
    }
    values.update(data)
    return client.post(reverse("desk:case_new", args=[tenant.org.slug]), values, follow=True)


def _field_errors(response, field: str) -> list[str]:
    return re.findall(
        rf'<p class="error" data-field="{field}">([^<]+)</p>', response.content.decode()
    )


def test_the_form_preselects_the_channel(desk_a, tenant_a):
    url = reverse("desk:case_new", args=[tenant_a.org.slug])
    assert re.search(r'value="counter"[^>]*checked', desk_a.get(url).content.decode())
    phone = desk_a.get(url, {"channel": "phone"}).content.decode()
    assert re.search(r'value="phone"[^>]*checked', phone)


def test_new_counter_case_shows_its_protocol_number(desk_a, tenant_a):
    response = _new(
        desk_a,
        tenant_a,
        topic_subject=f"s:{tenant_a.subject.pk}",
        description="Asked at the counter.",
    )
    case = Case.objects.get(organization=tenant_a.org)
    assert response.redirect_chain[-1][0] == reverse(
        "desk:case_detail", args=[tenant_a.org.slug, case.pk]
    )
    html = response.content.decode()
    assert f"Case {case.protocol_number} opened" in html
    assert re.search(rf'id="protocol-number">{case.protocol_number}<', html)
    assert re.fullmatch(r"CMN-\d{4}-0000001", case.protocol_number)
    assert (case.channel, case.topic_id, case.subject_id) == (
        "counter",
        tenant_a.topic.pk,
        tenant_a.subject.pk,
    )
    assert case.created_by_id == tenant_a.operator.pk


def test_a_phone_note_with_an_existing_requester_and_attachments(desk_a, tenant_a):
    mario = create_customer(
        org=tenant_a.org, actor=tenant_a.actor, name="Mario Rossi", phone="+39 06 6988 4321"
    )
    found = desk_a.get(
        reverse("desk:customer_search", args=[tenant_a.org.slug]), {"requester_q": "06 6988 4321"}
    )
    assert f'value="{mario.pk}"' in found.content.decode()
    upload = SimpleUploadedFile("receipt.txt", b"paid 12 EUR", content_type="text/plain")
    _new(desk_a, tenant_a, channel="phone", requester_id=mario.pk, attachments=[upload])
    case = Case.objects.get(organization=tenant_a.org)
    assert (case.channel, case.requester_id) == ("phone", mario.pk)
    attachment = Attachment.objects.get(message__case=case)
    assert attachment.filename == "receipt.txt"
    download = desk_a.get(
        reverse("desk:attachment", args=[tenant_a.org.slug, case.pk, attachment.pk])
    )
    assert b"".join(download.streaming_content) == b"paid 12 EUR"


def test_a_requester_created_inline(desk_a, tenant_a):
    _new(
        desk_a,
        tenant_a,
        new_name="Giulia Verdi",
        new_phone="06 6988 1234",
        new_email="Giulia@Example.org",
        new_tax_id="RSSMRA85T10A562S",
    )
    case = Case.objects.select_related("requester").get(organization=tenant_a.org)
    assert case.requester is not None
    assert (case.requester.name, case.requester.phone, case.requester.email) == (
        "Giulia Verdi",
        "+390669881234",
        "giulia@example.org",
    )


def test_validation_errors_name_the_field_and_write_nothing(desk_a, tenant_a):
    response = _new(
        desk_a, tenant_a, title="", new_name="Giulia Verdi", new_phone="12", new_tax_id="XYZ"
    )
    assert response.status_code == 422
    # Every mistake at once: the form's and the customer service's.
    assert _field_errors(response, "title")
    assert _field_errors(response, "new_phone")
    assert _field_errors(response, "new_tax_id")
    response = _new(
        desk_a,
        tenant_a,
        new_name="Giulia Verdi",
        new_phone="12",
        new_tax_id="XYZ",
        new_email="not-an-address",
    )
    assert response.status_code == 422
    assert _field_errors(response, "new_phone")
    assert _field_errors(response, "new_tax_id")
    assert _field_errors(response, "new_email")
    # The typed values survive, so nothing is lost.
    assert 'value="Giulia Verdi"' in response.content.decode()
    assert not Case.objects.filter(organization=tenant_a.org).exists()
    assert not Customer.objects.filter(organization=tenant_a.org).exists()


def test_a_case_refused_by_the_service_leaves_no_new_customer(desk_a, tenant_a):
    # A reminder must name the case it chases: the service refuses it after the
    # customer has been created, and the whole creation is rolled back.
    response = _new(desk_a, tenant_a, case_type="reminder", new_name="Giulia Verdi")
    assert response.status_code == 422
    assert _field_errors(response, "related_protocol")
    assert not Customer.objects.filter(organization=tenant_a.org).exists()


def test_a_reminder_names_the_case_it_chases_by_protocol(desk_a, tenant_a, tenant_b):
    _new(desk_a, tenant_a, title="First request")
    first = Case.objects.get(organization=tenant_a.org)
    _new(
        desk_a,
        tenant_a,
        case_type="reminder",
        related_protocol=first.protocol_number,
        title="Any news?",
    )
    reminder = Case.objects.get(organization=tenant_a.org, case_type="reminder")
    assert reminder.related_case_id == first.pk


def test_another_tenants_topic_or_customer_is_refused(desk_a, tenant_a, tenant_b):
    foreign = create_customer(org=tenant_b.org, actor=tenant_b.actor, name="Foreign")
    response = _new(desk_a, tenant_a, topic_subject=f"t:{tenant_b.topic.pk}")
    assert response.status_code == 422
    assert _field_errors(response, "topic_subject")
    response = _new(desk_a, tenant_a, requester_id=foreign.pk)
    assert response.status_code == 422
    assert _field_errors(response, "requester_id")
    assert not Case.objects.filter(organization=tenant_a.org).exists()


def test_oversize_attachments_are_refused(desk_a, tenant_a, settings):
    settings.HELPLINE_MAX_ATTACHMENT_BYTES = 10
    upload = SimpleUploadedFile("big.bin", b"x" * 11)
    response = _new(desk_a, tenant_a, attachments=[upload])
    assert response.status_code == 422
    assert "big.bin" in " ".join(_field_errors(response, "attachments"))
    assert not Case.objects.exists()


def test_choosing_a_requester_and_typing_a_new_one_is_refused(desk_a, tenant_a):
    mario = create_customer(org=tenant_a.org, actor=tenant_a.actor, name="Mario Rossi")
    response = _new(desk_a, tenant_a, requester_id=mario.pk, new_name="Someone else")
    assert response.status_code == 422
    assert _field_errors(response, "new_name")
