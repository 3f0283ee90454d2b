"""Customers: create, read, change, find by an exact identifier."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from helpline.api.tests.conftest import patch_json, post_json
from helpline.audit.models import AuditEntry
from helpline.customers.models import Customer, Segment

CF = "RSSMRA85T10A562S"  # a valid Italian codice fiscale
CPF = "390.533.447-05"  # a valid Brazilian CPF


def test_create_customer_normalises_phone_email_and_tax_id(api_a: Client, tenant_a: Any) -> None:
    segment = Segment.objects.create(organization=tenant_a.org, code="biz", name="Businesses")
    r = post_json(
        api_a,
        "/api/v1/customers",
        {
            "name": "Mario Rossi",
            "email": " Mario.Rossi@Example.IT ",
            "phone": "06 6982 1234",
            "tax_id": CF.lower(),
            "segment_id": segment.pk,
            "language": "it",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["phone"] == "+390669821234"
    assert body["email"] == "mario.rossi@example.it"
    assert (body["tax_id"], body["tax_id_kind"]) == (CF, "it.codicefiscale")
    assert body["segment_id"] == segment.pk
    assert body["language"] == "it"
    assert Customer.objects.get(pk=body["id"]).organization == tenant_a.org


def test_get_customer(api_a: Client, tenant_a: Any, make_customer: Any) -> None:
    customer = make_customer(tenant_a, name="Anna Verdi", email="anna@example.it")
    r = api_a.get(f"/api/v1/customers/{customer.pk}")
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["email"]) == ("Anna Verdi", "anna@example.it")
    assert api_a.get("/api/v1/customers/987654").status_code == 404


def test_patch_changes_only_the_given_fields_and_is_audited(
    api_a: Client, tenant_a: Any, make_customer: Any
) -> None:
    customer = make_customer(tenant_a, name="Anna Verdi", email="anna@example.it")
    r = patch_json(api_a, f"/api/v1/customers/{customer.pk}", {"phone": "+39 347 123 4567"})
    assert r.status_code == 200
    assert r.json()["phone"] == "+393471234567"
    assert (r.json()["name"], r.json()["email"]) == ("Anna Verdi", "anna@example.it")
    entry = AuditEntry.objects.filter(object_type="customers.customer", action="update").get()
    assert entry.changes == {"phone": ["", "+393471234567"]}


def test_patch_with_null_clears_the_segment(
    api_a: Client, tenant_a: Any, make_customer: Any
) -> None:
    segment = Segment.objects.create(organization=tenant_a.org, code="biz", name="Businesses")
    customer = make_customer(tenant_a, segment_id=segment.pk)
    r = patch_json(api_a, f"/api/v1/customers/{customer.pk}", {"segment_id": None})
    assert r.status_code == 200
    assert r.json()["segment_id"] is None


@pytest.mark.parametrize(
    ("query", "found"),
    [
        (f"tax_id={CF}", True),
        ("tax_id=rssmra85t10a562s", True),
        ("email=ANNA@example.it", True),
        ("phone=06%2069821234", True),
        ("phone=%2B390669821234", True),
        ("tax_id=BNCGVN80A01H501X", False),
        ("phone=not-a-phone", False),
    ],
)
def test_find_customers_by_exact_identifier(
    api_a: Client, tenant_a: Any, make_customer: Any, query: str, found: bool
) -> None:
    customer = make_customer(
        tenant_a, name="Anna Verdi", email="anna@example.it", phone="0669821234", tax_id=CF
    )
    make_customer(tenant_a, name="Someone Else", email="else@example.it")
    r = api_a.get(f"/api/v1/customers?{query}")
    assert r.status_code == 200
    assert [c["id"] for c in r.json()["items"]] == ([customer.pk] if found else [])


def test_find_without_an_identifier_is_422(api_a: Client) -> None:
    r = api_a.get("/api/v1/customers")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "tax_id"]


def test_tax_ids_are_validated_for_the_tenant_country(api_b: Client) -> None:
    """Tenant B is Brazilian: a CPF is fine there, an Italian codice fiscale is not."""
    assert post_json(api_b, "/api/v1/customers", {"name": "João", "tax_id": CPF}).status_code == 201
    r = post_json(api_b, "/api/v1/customers", {"name": "Mario", "tax_id": CF})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "tax_id"]
