"""The API describes itself: OpenAPI schema and interactive docs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.test import Client

EXPECTED = {
    "/api/v1/topics": {"get"},
    "/api/v1/cases": {"get", "post"},
    "/api/v1/cases/by-protocol/{protocol_number}": {"get"},
    "/api/v1/cases/{case_id}": {"get"},
    "/api/v1/cases/{case_id}/status": {"post"},
    "/api/v1/cases/{case_id}/assignment": {"post"},
    "/api/v1/cases/{case_id}/urgency": {"post"},
    "/api/v1/cases/{case_id}/classification": {"post"},
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
    "/api/v1/settings/routing-rules": {"get", "post"},
    "/api/v1/settings/routing-rules/{rule_id}": {"get", "put", "delete"},
    "/api/v1/settings/routing-rules/order": {"put"},
    "/api/v1/settings/routing-rules/default-queue": {"put"},
    "/api/v1/settings/routing-rules/preview": {"post"},
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
    "/api/v1/settings/notifications": {"get", "patch"},
    "/api/v1/sla/statement/issue": {"post"},
    # settings: users and access (helpline.tenancy.api)
    "/api/v1/settings/users": {"get", "post"},
    "/api/v1/settings/users/{member_id}": {"get", "patch"},
    "/api/v1/settings/users/{member_id}/password-reset": {"post"},
    "/api/v1/settings/users/{member_id}/tokens": {"get", "post"},
    "/api/v1/settings/users/{member_id}/tokens/{token_id}": {"delete"},
    # channel settings (helpline.configuration.api_channels)
    "/api/v1/settings/mailboxes": {"get", "post"},
    "/api/v1/settings/mailboxes/{mailbox_id}": {"get", "put"},
    "/api/v1/settings/mailboxes/{mailbox_id}/test/{protocol}": {"post"},
    "/api/v1/settings/chat": {"get", "put"},
    "/api/v1/settings/webform": {"get", "put"},
    "/api/v1/settings/privacy-notices": {"get", "post"},
    "/api/v1/settings/privacy-notices/{notice_id}": {"get", "put", "delete"},
    "/api/v1/settings/privacy-notices/{notice_id}/publish": {"post"},
    "/api/v1/settings/mail-templates": {"get"},
    "/api/v1/settings/mail-templates/{kind}/{language}": {"get", "put", "delete"},
    "/api/v1/settings/mail-templates/{kind}/{language}/preview": {"post"},
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

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant


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


def test_docs_page_is_served_at_api_docs_and_reads_the_schema(
    client: Client, tenant_a: Tenant
) -> None:
    client.force_login(tenant_a.operator)
    r = client.get("/api/docs")
    assert r.status_code == 200
    assert b"/api/v1/openapi.json" in r.content
    assert b"swagger-ui" in r.content


def test_docs_are_also_served_under_the_versioned_prefix(client: Client, tenant_a: Tenant) -> None:
    client.force_login(tenant_a.operator)
    assert client.get("/api/v1/docs").status_code == 200


def test_docs_need_a_login_in_production_unless_made_public(client: Client, settings: Any) -> None:
    settings.HELPLINE_API_DOCS_PUBLIC = False
    for url in ("/api/docs", "/api/v1/docs"):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/")
    assert client.get("/api/v1/openapi.json").status_code == 200  # the schema stays public
    settings.HELPLINE_API_DOCS_PUBLIC = True
    assert client.get("/api/docs").status_code == 200
