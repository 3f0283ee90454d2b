"""What the conformance run (test_conformance.py) found, each pinned by a fast test: bodies
that are not JSON objects, other media types, booleans and ids given as 0/1 or true,
datetimes without an offset, undocumented error codes and content types."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from helpline.api.tests.conftest import patch_json, post_json

OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


@pytest.mark.parametrize("body", ["[1, 2]", "[]", '"x"', "1", "null"])
def test_a_body_that_is_not_a_json_object_is_422_on_body(api_a: Client, body: str) -> None:
    r = api_a.post("/api/v1/customers", body, content_type="application/json")
    assert r.status_code == 422, r.content
    assert r.json()["detail"] == [
        {"loc": ["body"], "msg": "The body must be a JSON object.", "type": "model_type"}
    ]


def test_a_json_array_is_not_read_as_an_empty_patch(admin_api_a: Client) -> None:
    # Every field of the notification settings is optional: [] used to be a 200.
    r = admin_api_a.patch("/api/v1/settings/notifications", "[]", content_type="application/json")
    assert r.status_code == 422, r.content


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_of_another_media_type_is_415(api_a: Client, content_type: str) -> None:
    r = api_a.post("/api/v1/customers", "name=Maria", content_type=content_type)
    assert r.status_code == 415
    assert r.json() == {"detail": "Send the body as application/json."}


def test_a_body_that_is_not_json_is_still_400(api_a: Client) -> None:
    r = api_a.post("/api/v1/customers", "{name", content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {"detail": "Cannot parse request body"}


@pytest.mark.parametrize("value", [0, 1, "true", "yes"])
def test_booleans_in_bodies_refuse_anything_but_true_and_false(
    admin_api_a: Client, value: Any
) -> None:
    r = patch_json(admin_api_a, "/api/v1/settings/notifications", {"on_taken": value})
    assert r.status_code == 422, r.content
    assert r.json()["detail"][0]["loc"] == ["body", "on_taken"]
    ok = patch_json(admin_api_a, "/api/v1/settings/notifications", {"on_taken": False})
    assert ok.status_code == 200 and ok.json()["on_taken"] is False


def test_an_id_is_never_a_boolean(api_a: Client, tenant_a: Any) -> None:
    body = {"case_type": "information", "title": "Question", "topic_id": True}
    r = post_json(api_a, "/api/v1/cases", body)
    assert r.status_code == 422, r.content
    assert r.json()["detail"][0]["loc"] == ["body", "topic_id"]
    assert r.json()["detail"][0]["type"] == "int_type"
    body["topic_id"] = tenant_a.topic.pk
    assert post_json(api_a, "/api/v1/cases", body).status_code == 201


def test_calendar_openings_carry_the_calendar_zones_offset(admin_api_a: Client) -> None:
    calendar = {
        "name": "Municipio",
        "time_zone": "Europe/Rome",
        "slots": [{"weekday": d, "start": "08:00", "end": "17:00"} for d in range(7)],
    }
    cal = post_json(admin_api_a, "/api/v1/sla/calendars", calendar).json()
    items = admin_api_a.get(f"/api/v1/sla/calendars/{cal['id']}/openings?days=3").json()["items"]
    assert items
    for item in items:
        assert re.search(r"T08:00:00\+0[12]:00$", item["start"]), item
        assert re.search(r"T17:00:00\+0[12]:00$", item["end"]), item


def test_member_and_token_timestamps_are_utc_with_an_offset(
    admin_api_a: Client, tenant_a: Any
) -> None:
    members = admin_api_a.get("/api/v1/settings/users").json()["items"]
    assert all(OFFSET.search(m["created_at"]) for m in members)
    member_id = members[0]["id"]
    token = post_json(admin_api_a, f"/api/v1/settings/users/{member_id}/tokens", {"name": "x"})
    assert OFFSET.search(token.json()["created_at"])


def test_every_operation_documents_the_errors_it_can_answer(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "404", "422"} <= codes, (method, path)
            if "requestBody" in operation:
                assert {"400", "415"} <= codes, (method, path)


def test_attachment_downloads_are_documented_with_any_media_type(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    download = schema["paths"]["/api/v1/attachments/{attachment_id}"]["get"]
    assert set(download["responses"]["200"]["content"]) == {"*/*"}


def test_routing_and_mail_template_previews_have_their_own_schemas(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    def ref(path: str) -> str:
        ok = paths[path]["post"]["responses"]["200"]["content"]["application/json"]
        return str(ok["schema"]["$ref"])

    routing = ref("/api/v1/settings/routing-rules/preview")
    template = ref("/api/v1/settings/mail-templates/{kind}/{language}/preview")
    assert routing != template


@pytest.mark.parametrize(
    ("method", "url", "data", "loc"),
    [
        ("get", "/api/v1/customers/search?q=a%00b", None, ["query", "q"]),
        ("get", "/api/v1/cases/by-protocol/CMN%00", None, ["path", "protocol_number"]),
        ("post", "/api/v1/customers", '{"name": "a\\u0000b"}', ["body", "name"]),
    ],
)
def test_a_nul_character_is_422_on_its_field_not_a_database_error(
    api_a: Client, method: str, url: str, data: str | None, loc: list[str]
) -> None:
    # PostgreSQL refuses NUL in text: these were 500s there.
    if method == "get":
        r = api_a.get(url)
    else:
        r = api_a.post(url, data, content_type="application/json")
    assert r.status_code == 422, r.content
    assert r.json()["detail"] == [
        {"loc": loc, "msg": "Text may not contain NUL characters.", "type": "value_error"}
    ]


def test_a_nul_character_in_a_form_field_is_422(
    api_a: Client, make_case: Any, tenant_a: Any
) -> None:
    case = make_case(tenant_a)
    r = api_a.post(f"/api/v1/cases/{case.pk}/messages", {"direction": "note", "body": "a\x00b"})
    assert r.status_code == 422, r.content
    assert r.json()["detail"][0]["loc"] == ["body", "body"]
