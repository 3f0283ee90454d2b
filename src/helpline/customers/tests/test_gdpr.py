"""GDPR: consent history with the notice version, a complete export (JSON and PDF),
erasure that keeps cases and statistics, and retention applied by the background loop."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.utils import timezone

from helpline.cases.services import change_status
from helpline.customers import gdpr, selectors, services
from helpline.customers.models import Customer, SearchPosting
from helpline.customers.search import search
from helpline.desk.tests.helpers import make_case
from helpline.events.models import ContactEvent
from helpline.lib.errors import FieldValidationError, IllegalTransition


@pytest.fixture
def customer(tenant_a):
    c = services.create_customer(
        org=tenant_a.org,
        actor=tenant_a.actor,
        name="Cicciò Esposito",
        email="ciccio@example.it",
        phone="333 123 4567",
        tax_id="RSSMRA85T10A562S",
    )
    services.add_address(
        customer=c,
        actor=tenant_a.actor,
        street="Via Roma",
        house_number="3",
        municipality="Napoli",
        postcode="80100",
    )
    services.create_account(
        customer=c, actor=tenant_a.actor, identity_check=None, checked=False, account_number="IT-77"
    )
    return c


def test_latest_consent_per_purpose_is_current_and_history_is_kept(customer, tenant_a):
    gdpr.record_consent(
        customer=customer,
        actor=tenant_a.actor,
        purpose="newsletter",
        granted=True,
        notice_version="1.0",
    )
    gdpr.record_consent(
        customer=customer,
        actor=tenant_a.actor,
        purpose="newsletter",
        granted=False,
        notice_version="1.1",
    )
    current = selectors.current_consents(customer=customer)
    assert (current["newsletter"].granted, current["newsletter"].notice_version) == (False, "1.1")
    assert customer.consents.count() == 2
    with pytest.raises(FieldValidationError) as exc:
        gdpr.record_consent(
            customer=customer, actor=tenant_a.actor, purpose="x", granted=True, notice_version=""
        )
    assert list(exc.value.errors) == ["notice_version"]


def test_export_holds_everything_and_renders_as_pdf(customer, tenant_a):
    case = make_case(tenant_a, requester_id=customer.pk)
    data = gdpr.export_data(org=tenant_a.org, customer_id=customer.pk)
    assert data["customer"]["name"] == "Cicciò Esposito"
    assert data["identifiers"] == [{"kind": "it.codicefiscale", "value": "RSSMRA85T10A562S"}]
    assert {c["value"] for c in data["contacts"]} == {"ciccio@example.it", "+393331234567"}
    assert data["accounts"][0]["account_number"] == "IT-77"
    assert data["cases"][0]["protocol_number"] == case.protocol_number
    assert gdpr.export_pdf(data)[:4] == b"%PDF"


def test_erasure_pseudonymises_and_keeps_cases_and_events(customer, tenant_a):
    case = make_case(tenant_a, requester_id=customer.pk)
    with pytest.raises(IllegalTransition):
        gdpr.erase_customer(customer=customer, actor=tenant_a.actor)
    change_status(case=case, actor=tenant_a.actor, status="closed")
    events_before = ContactEvent.objects.filter(case=case).count()
    gdpr.erase_customer(customer=customer, actor=tenant_a.actor, reason="art. 17 request")
    c = Customer.objects.get(pk=customer.pk)
    assert c.name == f"#{c.pk}" and c.erased_at is not None
    assert (c.email, c.phone, c.tax_id) == ("", "", "")
    assert not c.contacts.exists() and not c.identifiers.exists()
    assert c.addresses.get().street == "" and c.addresses.get().municipality == "Napoli"
    assert c.accounts.get().account_number == "IT-77"  # a legal record
    assert c.cases.get().protocol_number == case.protocol_number
    assert ContactEvent.objects.filter(case=case).count() == events_before
    assert not SearchPosting.objects.filter(customer=c).exists()
    assert search(org=tenant_a.org, text="Cicciò Esposito").customers == []
    assert not selectors.find_customers_by_identifier(org=tenant_a.org, email="ciccio@example.it")


def test_retention_erases_only_inactive_customers_of_tenants_with_a_policy(
    customer, tenant_a, tenant_b
):
    recent = services.create_customer(org=tenant_a.org, actor=tenant_a.actor, name="Nuovo")
    other_tenant = services.create_customer(org=tenant_b.org, actor=tenant_b.actor, name="Velho")
    gdpr.set_retention_policy(org=tenant_a.org, actor=tenant_a.actor, erase_inactive_after_days=365)
    old = timezone.now() - timedelta(days=400)
    Customer.objects.filter(pk__in=[customer.pk, other_tenant.pk]).update(updated_at=old)
    assert gdpr.apply_retention() == 1
    assert Customer.objects.get(pk=customer.pk).erased_at is not None
    assert Customer.objects.get(pk=recent.pk).erased_at is None
    assert Customer.objects.get(pk=other_tenant.pk).erased_at is None


def test_retention_keeps_customers_with_recent_or_open_cases(customer, tenant_a):
    make_case(tenant_a, requester_id=customer.pk)
    gdpr.set_retention_policy(org=tenant_a.org, actor=tenant_a.actor, erase_inactive_after_days=30)
    Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now() - timedelta(days=90))
    assert gdpr.apply_retention(now=timezone.now() + timedelta(days=60)) == 0


def test_retention_policy_below_thirty_days_is_refused(tenant_a):
    with pytest.raises(FieldValidationError) as exc:
        gdpr.set_retention_policy(
            org=tenant_a.org, actor=tenant_a.actor, erase_inactive_after_days=7
        )
    assert list(exc.value.errors) == ["erase_inactive_after_days"]


@pytest.mark.django_db(transaction=True)
def test_the_retention_loop_applies_the_policy_and_stops(tenant_a, settings):
    c = services.create_customer(org=tenant_a.org, actor=tenant_a.actor, name="Vecchio")
    gdpr.set_retention_policy(org=tenant_a.org, actor=tenant_a.actor, erase_inactive_after_days=30)
    Customer.objects.filter(pk=c.pk).update(updated_at=timezone.now() - timedelta(days=31))
    settings.HELPLINE_RETENTION_INTERVAL = 0.05

    async def run() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(gdpr.retention_loop(stop))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if await Customer.objects.filter(pk=c.pk, erased_at__isnull=False).aexists():
                break
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(run())
    assert Customer.objects.get(pk=c.pk).erased_at is not None
