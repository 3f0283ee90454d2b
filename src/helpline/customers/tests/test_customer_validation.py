"""Customers: phones to E.164, tax ids validated for the tenant's country, errors per field."""

from __future__ import annotations

import pytest

from helpline.audit.models import AuditEntry
from helpline.customers.models import Customer
from helpline.customers.selectors import find_customers_by_identifier
from helpline.customers.services import create_customer, update_customer
from helpline.lib.errors import FieldValidationError


def test_brazilian_customer_is_stored_normalised(tenant_b):
    c = create_customer(
        org=tenant_b.org,
        actor=tenant_b.actor,
        name="João Gonçalves",
        phone="(11) 98765-4321",
        tax_id="390.533.447-05",
        email="JOAO@Example.com",
    )
    assert c.phone == "+5511987654321"
    assert (c.tax_id_kind, c.tax_id) == ("br.cpf", "39053344705")
    assert c.email == "joao@example.com"


def test_italian_codice_fiscale_and_partita_iva_are_accepted(tenant_a):
    person = create_customer(
        org=tenant_a.org,
        actor=tenant_a.actor,
        name="Mario Rossi",
        tax_id="RSSMRA85T10A562S",
        phone="333 123 4567",
    )
    company = create_customer(
        org=tenant_a.org, actor=tenant_a.actor, name="Rossi Srl", tax_id="IT 00743110157"
    )
    assert person.tax_id_kind == "it.codicefiscale" and person.phone == "+393331234567"
    assert company.tax_id_kind == "it.iva" and company.tax_id == "00743110157"


def test_every_bad_field_is_named_at_once(tenant_b):
    with pytest.raises(FieldValidationError) as exc:
        create_customer(
            org=tenant_b.org,
            actor=tenant_b.actor,
            name="",
            phone="12",
            tax_id="111.111.111-12",
            email="not-an-email",
        )
    assert set(exc.value.errors) == {"name", "phone", "tax_id", "email"}
    assert not Customer.objects.exists()


def test_an_italian_tax_id_is_not_valid_for_a_brazilian_tenant(tenant_b):
    with pytest.raises(FieldValidationError) as exc:
        create_customer(
            org=tenant_b.org, actor=tenant_b.actor, name="Mario", tax_id="RSSMRA85T10A562S"
        )
    assert "tax_id" in exc.value.errors


def test_the_same_tax_id_twice_in_a_tenant_is_refused_but_fine_across_tenants(tenant_b):
    create_customer(org=tenant_b.org, actor=tenant_b.actor, name="A", tax_id="39053344705")
    with pytest.raises(FieldValidationError) as exc:
        create_customer(org=tenant_b.org, actor=tenant_b.actor, name="B", tax_id="390.533.447-05")
    assert "tax_id" in exc.value.errors


def test_lookup_by_identifier_in_any_format(tenant_b):
    c = create_customer(
        org=tenant_b.org,
        actor=tenant_b.actor,
        name="A",
        tax_id="39053344705",
        phone="+55 11 98765-4321",
    )
    assert list(find_customers_by_identifier(org=tenant_b.org, tax_id="390.533.447-05")) == [c]
    assert list(find_customers_by_identifier(org=tenant_b.org, phone="11 987654321")) == [c]


def test_update_records_before_and_after_with_the_operator(tenant_a):
    c = create_customer(org=tenant_a.org, actor=tenant_a.actor, name="Mario Rossi")
    update_customer(customer=c, actor=tenant_a.actor, phone="3331234567")
    entry = AuditEntry.objects.get(object_type="customers.customer", action="update")
    assert entry.changes == {"phone": ["", "+393331234567"]}
    assert entry.actor_user_id == tenant_a.operator.pk
