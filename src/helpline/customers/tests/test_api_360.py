"""The customer 360 API end to end, and a test per endpoint that tenant B cannot read or
change tenant A's customers, accounts, assets or checks (404)."""

from __future__ import annotations

import pytest
from conftest import api_client
from django.core.files.uploadedfile import SimpleUploadedFile

from helpline.customers import identity, services
from helpline.customers.models import Customer


@pytest.fixture
def ana(tenant_a):
    c = services.create_customer(
        org=tenant_a.org,
        actor=tenant_a.actor,
        name="Anna Dvořák",
        email="anna@example.it",
        phone="333 123 4567",
    )
    services.set_security_question(
        customer=c, actor=tenant_a.actor, question="Città?", answer="Napoli"
    )
    c.refresh_from_db()
    return c


def test_search_endpoint_ranks_and_highlights(api_a, ana):
    r = api_a.get("/api/v1/customers/search", {"q": "ana dvorak"})
    assert r.status_code == 200, r.content
    top = r.json()["customers"][0]
    assert top["id"] == ana.pk and "<mark>" in top["highlighted"]
    assert api_a.get("/api/v1/customers/search", {"q": ""}).status_code == 422


def test_360_identity_check_and_account_through_the_api(api_a, ana):
    base = f"/api/v1/customers/{ana.pk}"
    r = api_a.post(
        base + "/addresses",
        {"street": "Via Roma", "house_number": "1"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    r = api_a.post(
        base + "/contacts",
        {"kind": "phone", "value": "06 1234 5678"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["value"] == "+390612345678"
    r = api_a.post(
        base + "/identity-checks", {"method": "question"}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    check_id = r.json()["id"]
    denied = api_a.post(
        base + "/accounts",
        {"identity_check_id": check_id, "account_number": "X1"},
        content_type="application/json",
    )
    assert denied.status_code == 403
    r = api_a.post(
        f"/api/v1/identity-checks/{check_id}/verify",
        {"answer": "napoli"},
        content_type="application/json",
    )
    assert r.json()["status"] == "passed"
    r = api_a.post(
        base + "/accounts",
        {"identity_check_id": check_id, "account_number": "X1"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    r = api_a.patch(
        f"/api/v1/accounts/{r.json()['id']}",
        {"identity_check_id": check_id, "meter_number": "M7"},
        content_type="application/json",
    )
    assert r.json()["meter_number"] == "M7"
    detail = api_a.get(base + "/360").json()
    assert [a["account_number"] for a in detail["accounts"]] == ["X1"]
    assert {c["value"] for c in detail["contacts"]} == {
        "anna@example.it",
        "+393331234567",
        "+390612345678",
    }
    history = api_a.get(base + "/history").json()
    assert {h["object_type"] for h in history} >= {
        "customers.customer",
        "customers.serviceaccount",
        "customers.identitycheck",
    }
    assert all(h["actor_label"] == "comune-operator" for h in history)


def test_gdpr_endpoints(api_a, admin_api_a, ana):
    base = f"/api/v1/customers/{ana.pk}"
    r = api_a.post(
        base + "/consents",
        {"purpose": "sms", "granted": True, "notice_version": "2"},
        content_type="application/json",
    )
    assert r.status_code == 201
    admin = admin_api_a  # export, retention and erasure are not an L1 operator's
    assert admin.get(base + "/export").json()["consents"][0]["notice_version"] == "2"
    pdf = admin.get(base + "/export.pdf")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    r = admin.put(
        "/api/v1/retention-policy",
        {"erase_inactive_after_days": 730},
        content_type="application/json",
    )
    assert r.status_code == 200 and api_a.get("/api/v1/retention-policy").json()["enabled"]
    r = admin.post(base + "/erase", {"reason": "request"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["name"] == f"#{ana.pk}"
    assert admin.post(base + "/erase", {}, content_type="application/json").status_code == 409


def test_import_endpoint_defaults_to_a_dry_run(admin_api_a):
    api_a = admin_api_a
    csv = SimpleUploadedFile("c.csv", b"name,asset_code,asset_kind\nComune,LP-1,lamp\n")
    r = api_a.post("/api/v1/customers/import", {"file": csv})
    assert r.status_code == 200, r.content
    assert (r.json()["dry_run"], r.json()["created"]) == (True, 1)
    assert not Customer.objects.exists()
    csv = SimpleUploadedFile("c.csv", b"name,asset_code,asset_kind\nComune,LP-1,lamp\n")
    r = api_a.post("/api/v1/customers/import", {"file": csv, "dry_run": "false"})
    assert r.json()["created"] == 1
    assert api_a.get("/api/v1/assets/lp-1").json()["kind"] == "lamp"


def test_read_only_tokens_cannot_write(tenant_a, ana, client):
    r = client.post(
        f"/api/v1/customers/{ana.pk}/consents",
        {"purpose": "sms", "granted": True, "notice_version": "2"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {tenant_a.referent_token}"},
    )
    assert r.status_code == 403


def _isolation_cases(a_customer: int, a_account: int, a_check: int) -> list[tuple[str, str, dict]]:
    c = f"/api/v1/customers/{a_customer}"
    return [
        ("get", c + "/360", {}),
        ("get", c + "/history", {}),
        ("get", c + "/export", {}),
        ("get", c + "/export.pdf", {}),
        ("get", "/api/v1/assets/LP-A", {}),
        ("post", c + "/identifiers", {"value": "RSSMRA85T10A562S"}),
        ("post", c + "/contacts", {"kind": "email", "value": "x@example.com"}),
        ("post", c + "/addresses", {"street": "Rua X"}),
        ("post", c + "/designated-persons", {"name": "X"}),
        ("put", c + "/security-question", {"question": "q", "answer": "a"}),
        ("post", c + "/identity-checks", {"method": "question"}),
        ("post", f"/api/v1/identity-checks/{a_check}/verify", {"answer": "napoli"}),
        ("post", c + "/accounts", {"identity_check_id": a_check, "account_number": "Z"}),
        (
            "patch",
            f"/api/v1/accounts/{a_account}",
            {"identity_check_id": a_check, "meter_number": "Z"},
        ),
        ("post", c + "/consents", {"purpose": "p", "granted": True, "notice_version": "1"}),
        ("post", c + "/erase", {}),
    ]


def test_tenant_b_gets_404_on_every_endpoint_for_tenant_a_data(tenant_b, tenant_a, ana):
    api_b = api_client(tenant_b, tenant_b.admin)  # an administrator may call every endpoint
    check = identity.start_identity_check(customer=ana, actor=tenant_a.actor, method="question")
    check = identity.verify_identity_check(check=check, actor=tenant_a.actor, answer="napoli")
    account = services.create_account(
        customer=ana, actor=tenant_a.actor, identity_check=check, account_number="A-1"
    )
    services.create_asset(org=tenant_a.org, actor=tenant_a.actor, code="LP-A", kind="lamp")
    for method, url, body in _isolation_cases(ana.pk, account.pk, check.pk):
        r = (
            getattr(api_b, method)(url, body, content_type="application/json")
            if body or (method != "get")
            else api_b.get(url)
        )
        assert r.status_code == 404, (method, url, r.status_code, r.content)
    names = [
        h["name"]
        for h in api_b.get("/api/v1/customers/search", {"q": "Dvorak"}).json()["customers"]
    ]
    assert names == []
    ana.refresh_from_db()
    assert ana.erased_at is None and ana.accounts.get().meter_number == ""
