"""The API describes itself: OpenAPI schema and interactive docs."""

from __future__ import annotations

from django.test import Client

EXPECTED = {
    "/api/v1/topics": {"get"},
    "/api/v1/cases": {"get", "post"},
    "/api/v1/cases/by-protocol/{protocol_number}": {"get"},
    "/api/v1/cases/{case_id}": {"get"},
    "/api/v1/cases/{case_id}/status": {"post"},
    "/api/v1/cases/{case_id}/assignment": {"post"},
    "/api/v1/cases/{case_id}/urgency": {"post"},
    "/api/v1/cases/{case_id}/messages": {"get", "post"},
    "/api/v1/cases/{case_id}/events": {"get"},
    "/api/v1/attachments/{attachment_id}": {"get"},
    "/api/v1/customers": {"get", "post"},
    "/api/v1/customers/{customer_id}": {"get", "patch"},
    # routing
    "/api/v1/routing/queues": {"get"},
    "/api/v1/routing/me": {"get"},
    "/api/v1/routing/me/state": {"post"},
    "/api/v1/routing/offers/{offer_id}/accept": {"post"},
    "/api/v1/routing/offers/{offer_id}/reject": {"post"},
    "/api/v1/routing/tasks/{task_id}/finish": {"post"},
    "/api/v1/routing/tasks/{task_id}/abandon": {"post"},
    "/api/v1/routing/tasks/{task_id}/callback-attempt": {"post"},
    "/api/v1/routing/callbacks": {"post"},
    # customer 360 (issue 6)
    "/api/v1/customers/search": {"get"},
    "/api/v1/customers/import": {"post"},
    "/api/v1/customers/{customer_id}/360": {"get"},
    "/api/v1/customers/{customer_id}/history": {"get"},
    "/api/v1/customers/{customer_id}/identifiers": {"post"},
    "/api/v1/customers/{customer_id}/contacts": {"post"},
    "/api/v1/customers/{customer_id}/addresses": {"post"},
    "/api/v1/customers/{customer_id}/designated-persons": {"post"},
    "/api/v1/customers/{customer_id}/security-question": {"put"},
    "/api/v1/customers/{customer_id}/identity-checks": {"post"},
    "/api/v1/customers/{customer_id}/accounts": {"post"},
    "/api/v1/customers/{customer_id}/consents": {"post"},
    "/api/v1/customers/{customer_id}/export": {"get"},
    "/api/v1/customers/{customer_id}/export.pdf": {"get"},
    "/api/v1/customers/{customer_id}/erase": {"post"},
    "/api/v1/identity-checks/{check_id}/verify": {"post"},
    "/api/v1/accounts/{account_id}": {"patch"},
    "/api/v1/assets": {"post"},
    "/api/v1/assets/{code}": {"get"},
    "/api/v1/retention-policy": {"get", "put"},
    # SLA (helpline.sla.api)
    "/api/v1/sla/calendars": {"get", "post"},
    "/api/v1/sla/calendars/{calendar_id}": {"get", "put", "delete"},
    "/api/v1/sla/calendars/{calendar_id}/openings": {"get"},
    "/api/v1/sla/policies": {"get", "post"},
    "/api/v1/sla/policies/{policy_id}": {"get", "put", "delete"},
    "/api/v1/cases/{case_id}/sla": {"get"},
    "/api/v1/sla/at-risk": {"get"},
    "/api/v1/sla/statement": {"get"},
}

# settings (helpline.configuration.api): one resource per settings screen
for _key in (
    "topics",
    "subjects",
    "segments",
    "queues",
    "queue-members",
    "escalation-steps",
    "skills",
    "agent-skills",
    "penalty-rules",
):
    EXPECTED[f"/api/v1/settings/{_key}"] = {"get", "post"}
    EXPECTED[f"/api/v1/settings/{_key}/{{row_id}}"] = {"get", "patch", "delete"}


def test_openapi_schema_lists_every_endpoint(client: Client) -> None:
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["info"]["title"] == "Helpline API"
    paths = {path: set(ops) for path, ops in schema["paths"].items()}
    assert paths == EXPECTED


def test_openapi_schema_declares_bearer_auth_and_error_responses(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert {s["scheme"] for s in schemes.values()} == {"bearer"}
    create = schema["paths"]["/api/v1/cases"]["post"]
    assert {"201", "401", "403", "404", "422"} <= set(create["responses"])
    status = schema["paths"]["/api/v1/cases/{case_id}/status"]["post"]
    assert "409" in status["responses"]


def test_docs_page_is_served_at_api_docs_and_reads_the_schema(client: Client) -> None:
    r = client.get("/api/docs")
    assert r.status_code == 200
    assert b"/api/v1/openapi.json" in r.content
    assert b"swagger-ui" in r.content


def test_docs_are_also_served_under_the_versioned_prefix(client: Client) -> None:
    assert client.get("/api/v1/docs").status_code == 200
