"""Messages on a case (multipart, with attachments) and attachment downloads."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client, override_settings

from helpline.api.tests.conftest import upload
from helpline.cases.models import Attachment, Case, Message
from helpline.events.models import ContactEvent


def test_add_an_outbound_reply_with_two_attachments(
    api_a: Client, tenant_a: Any, make_case: Any
) -> None:
    case = make_case(tenant_a)
    pdf, png = b"%PDF-1.4 reply", b"\x89PNG picture"
    r = api_a.post(
        f"/api/v1/cases/{case.pk}/messages",
        {
            "direction": "outbound",
            "body": "We sent a technician.",
            "files": [upload("report.pdf", pdf), upload("photo.png", png, "image/png")],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["direction"] == "outbound"
    assert body["body"] == "We sent a technician."
    assert body["author_user_id"] == tenant_a.operator.pk
    assert body["channel"] == case.channel
    by_name = {a["filename"]: a for a in body["attachments"]}
    assert by_name["report.pdf"]["size"] == len(pdf)
    assert by_name["report.pdf"]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert by_name["report.pdf"]["content_type"] == "application/pdf"
    assert by_name["photo.png"]["content_type"] == "image/png"
    assert by_name["photo.png"]["url"] == f"/api/v1/attachments/{by_name['photo.png']['id']}"
    # A first reply opens a new case.
    case.refresh_from_db()
    assert case.status == "open"
    assert ContactEvent.objects.filter(case_id=case.pk, kind="message_sent").exists()


def test_add_an_internal_note_without_files(api_a: Client, tenant_a: Any, make_case: Any) -> None:
    case = make_case(tenant_a)
    r = api_a.post(f"/api/v1/cases/{case.pk}/messages", {"direction": "note", "body": "Call back"})
    assert r.status_code == 201
    assert r.json()["attachments"] == []
    case.refresh_from_db()
    assert case.status == "new"


def test_list_messages_oldest_first_with_attachments(
    api_a: Client, tenant_a: Any, case_with_attachment: Case
) -> None:
    api_a.post(
        f"/api/v1/cases/{case_with_attachment.pk}/messages",
        {"direction": "outbound", "body": "Thanks"},
    )
    r = api_a.get(f"/api/v1/cases/{case_with_attachment.pk}/messages")
    assert r.status_code == 200
    items = r.json()["items"]
    assert [m["body"] for m in items] == ["Photo attached", "Thanks"]
    assert [a["filename"] for a in items[0]["attachments"]] == ["meter.jpg"]


def test_listing_messages_runs_a_fixed_number_of_queries(
    api_a: Client, tenant_a: Any, case_with_attachment: Case, django_assert_num_queries: Any
) -> None:
    for i in range(5):
        api_a.post(
            f"/api/v1/cases/{case_with_attachment.pk}/messages",
            {"direction": "note", "body": f"note {i}", "files": [upload(f"{i}.txt", b"x")]},
        )
    # token, case, messages, their attachments
    with django_assert_num_queries(4):
        r = api_a.get(f"/api/v1/cases/{case_with_attachment.pk}/messages")
    assert len(r.json()["items"]) == 6


def test_download_an_attachment(api_a: Client, case_with_attachment: Case) -> None:
    attachment = Attachment.objects.get(message__case=case_with_attachment)
    r = api_a.get(f"/api/v1/attachments/{attachment.pk}")
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == b"\xff\xd8jpeg-bytes"  # type: ignore[attr-defined]
    assert r["Content-Type"] == "image/jpeg"
    assert r["Content-Disposition"] == 'attachment; filename="meter.jpg"'


def test_download_of_an_unknown_attachment_is_404(api_a: Client) -> None:
    assert api_a.get("/api/v1/attachments/424242").status_code == 404


def _media_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@override_settings(HELPLINE_MAX_ATTACHMENT_BYTES=16)
def test_an_oversize_file_is_422_naming_attachments_and_nothing_is_stored(
    api_a: Client, tenant_a: Any, make_case: Any
) -> None:
    case = make_case(tenant_a)
    events = ContactEvent.objects.count()
    r = api_a.post(
        f"/api/v1/cases/{case.pk}/messages",
        {
            "direction": "inbound",
            "body": "See attached",
            "files": [upload("small.txt", b"ok"), upload("big.bin", b"x" * 17)],
        },
    )
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["loc"] == ["body", "attachments"]
    assert "big.bin" in error["msg"]
    assert error["type"] == "value_error"
    assert not Message.objects.filter(case=case).exists()
    assert not Attachment.objects.exists()
    assert ContactEvent.objects.count() == events
    assert _media_files() == []


@override_settings(HELPLINE_MAX_ATTACHMENT_BYTES=16)
def test_a_file_at_the_limit_is_accepted(api_a: Client, tenant_a: Any, make_case: Any) -> None:
    case = make_case(tenant_a)
    r = api_a.post(
        f"/api/v1/cases/{case.pk}/messages",
        {"direction": "inbound", "body": "", "files": [upload("exact.bin", b"x" * 16)]},
    )
    assert r.status_code == 201
    assert r.json()["attachments"][0]["size"] == 16


def test_an_empty_message_is_422_naming_body(api_a: Client, tenant_a: Any, make_case: Any) -> None:
    case = make_case(tenant_a)
    r = api_a.post(f"/api/v1/cases/{case.pk}/messages", {"direction": "outbound", "body": "  "})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "body"]
    assert not Message.objects.exists()


def test_a_bad_direction_is_422_naming_direction(
    api_a: Client, tenant_a: Any, make_case: Any
) -> None:
    case = make_case(tenant_a)
    r = api_a.post(f"/api/v1/cases/{case.pk}/messages", {"direction": "sideways", "body": "x"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "direction"]


def test_an_attachment_whose_file_is_lost_is_a_404_naming_the_problem(
    api_a: Client, case_with_attachment: Case
) -> None:
    attachment = Attachment.objects.get(message__case=case_with_attachment)
    Path(settings.MEDIA_ROOT, attachment.file.name).unlink()
    r = api_a.get(f"/api/v1/attachments/{attachment.pk}")
    assert r.status_code == 404
    assert "missing from storage" in r.json()["detail"]
