"""The desk's customer screens: the header search box and its results, the customer page
with a bounded number of queries, identity check then account change, consent, export,
erasure and import; another tenant's customer is a 404 everywhere."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpline.customers import gdpr, services
from helpline.customers.models import Customer, IdentityCheck, ServiceAccount
from helpline.desk.tests.helpers import client_for, make_case


@pytest.fixture
def ana(tenant_a):
    c = services.create_customer(
        org=tenant_a.org,
        actor=tenant_a.actor,
        name="Anna Cicciò",
        email="anna@example.it",
        phone="333 123 4567",
        tax_id="RSSMRA85T10A562S",
    )
    services.set_security_question(
        customer=c, actor=tenant_a.actor, question="Città?", answer="Napoli"
    )
    services.add_address(customer=c, actor=tenant_a.actor, street="Via Garibaldi", house_number="4")
    c.refresh_from_db()
    return c


def _url(tenant, customer, suffix=""):
    return f"/desk/{tenant.org.slug}/customers/{customer.pk}/{suffix}"


def test_the_header_search_box_finds_a_misspelled_customer(desk_a, tenant_a, ana):
    page = desk_a.get(f"/desk/{tenant_a.org.slug}/cases/")
    assert 'name="q"' in page.content.decode() and "global-search" in page.content.decode()
    r = desk_a.get(f"/desk/{tenant_a.org.slug}/search/", {"q": "ana cicio"})
    body = r.content.decode()
    assert r.status_code == 200 and f"/customers/{ana.pk}/" in body
    assert "<mark>Cicciò</mark>" in body


def test_search_finds_a_case_by_protocol_number(desk_a, tenant_a, ana):
    case = make_case(tenant_a, requester_id=ana.pk)
    r = desk_a.get(f"/desk/{tenant_a.org.slug}/search/", {"q": case.protocol_number.lower()})
    assert f"/cases/{case.pk}/" in r.content.decode()


def test_customer_page_shows_everything_in_a_bounded_number_of_queries(desk_a, tenant_a, ana):
    for i in range(3):
        make_case(tenant_a, requester_id=ana.pk, title=f"Lampione {i}")
        services.create_account(
            customer=ana,
            actor=tenant_a.actor,
            identity_check=None,
            checked=False,
            account_number=f"ACC-{i}",
        )
        gdpr.record_consent(
            customer=ana, actor=tenant_a.actor, purpose=f"p{i}", granted=True, notice_version="1"
        )
    desk_a.get(_url(tenant_a, ana))  # warm the session and membership caches
    with CaptureQueriesContext(connection) as ctx:
        r = desk_a.get(_url(tenant_a, ana))
    body = r.content.decode()
    assert r.status_code == 200
    for text in ("RSSMRA85T10A562S", "+393331234567", "Via Garibaldi", "ACC-2", "Lampione 2", "p2"):
        assert text in body
    few = len(ctx.captured_queries)
    for i in range(3, 8):
        make_case(tenant_a, requester_id=ana.pk, title=f"Lampione {i}")
        services.create_account(
            customer=ana,
            actor=tenant_a.actor,
            identity_check=None,
            checked=False,
            account_number=f"ACC-{i}",
        )
    with CaptureQueriesContext(connection) as ctx:
        desk_a.get(_url(tenant_a, ana))
    assert len(ctx.captured_queries) == few


def test_identity_check_then_account_change_from_the_desk(desk_a, tenant_a, ana):
    refused = desk_a.post(_url(tenant_a, ana, "accounts/"), {"account_number": "N-1"}, follow=True)
    assert "identity" in refused.content.decode().lower() and not ServiceAccount.objects.exists()
    r = desk_a.post(_url(tenant_a, ana, "identity-checks/"), {"method": "question"})
    check = IdentityCheck.objects.get()
    assert r.url.endswith(f"?check={check.pk}")
    page = desk_a.get(r.url).content.decode()
    assert "Città?" in page
    desk_a.post(
        f"/desk/{tenant_a.org.slug}/identity-checks/{check.pk}/verify/", {"answer": "napoli"}
    )
    desk_a.post(
        _url(tenant_a, ana, "accounts/"), {"account_number": "N-1", "identity_check_id": check.pk}
    )
    account = ServiceAccount.objects.get()
    desk_a.post(
        f"/desk/{tenant_a.org.slug}/accounts/{account.pk}/",
        {"meter_number": "M-5", "status": "active", "identity_check_id": check.pk},
    )
    account.refresh_from_db()
    assert account.meter_number == "M-5"


def test_consent_export_and_erasure_from_the_desk(desk_a, tenant_a, ana):
    desk_a.post(
        _url(tenant_a, ana, "consents/"),
        {"purpose": "newsletter", "granted": "1", "notice_version": "3"},
    )
    assert ana.consents.get().notice_version == "3"
    desk_a = client_for(tenant_a.supervisor)  # export and erasure are not an L1 operator's
    assert (
        desk_a.get(_url(tenant_a, ana, "export.json")).json()["customer"]["name"] == "Anna Cicciò"
    )
    assert desk_a.get(_url(tenant_a, ana, "export.pdf")).content[:4] == b"%PDF"
    assert desk_a.get(_url(tenant_a, ana, "export.xml")).status_code == 404
    desk_a.post(_url(tenant_a, ana, "erase/"), {"reason": "x"})  # not confirmed
    assert Customer.objects.get(pk=ana.pk).erased_at is None
    desk_a.post(_url(tenant_a, ana, "erase/"), {"reason": "x", "confirm": "1"})
    assert Customer.objects.get(pk=ana.pk).erased_at is not None


def test_import_page_dry_run_then_import(tenant_a):
    desk_a = client_for(tenant_a.supervisor)
    url = f"/desk/{tenant_a.org.slug}/customers/import/"
    assert desk_a.get(url).status_code == 200
    data = b"name,tax_id\nMario Rossi,RSSMRA85T10A562S\nBad,XYZ\n"
    r = desk_a.post(url, {"file": SimpleUploadedFile("c.csv", data), "dry_run": "1"})
    assert "tax_id" in r.content.decode() and not Customer.objects.exists()
    desk_a.post(url, {"file": SimpleUploadedFile("c.csv", data)})
    assert list(Customer.objects.values_list("name", flat=True)) == ["Mario Rossi"]
    assert desk_a.post(url, {}).status_code == 422


def test_read_only_members_cannot_post(tenant_a, ana):
    referent = client_for(tenant_a.referent)
    assert referent.get(_url(tenant_a, ana)).status_code == 200
    assert referent.post(_url(tenant_a, ana, "erase/"), {"confirm": "1"}).status_code == 403


def test_another_tenants_customer_is_a_404_on_every_screen(tenant_a, tenant_b, ana):
    b = client_for(tenant_b.admin)  # allowed every screen: what it gets is the tenancy's say
    check = IdentityCheck.objects.create(
        organization=tenant_a.org, customer=ana, method="question", expires_at=ana.created_at
    )
    account = services.create_account(
        customer=ana, actor=tenant_a.actor, identity_check=None, checked=False, account_number="A-1"
    )
    slug_b = tenant_b.org.slug
    for method, url in [
        ("get", f"/desk/{slug_b}/customers/{ana.pk}/"),
        ("get", f"/desk/{slug_b}/customers/{ana.pk}/export.json"),
        ("get", f"/desk/{slug_b}/customers/{ana.pk}/export.pdf"),
        ("post", f"/desk/{slug_b}/customers/{ana.pk}/identity-checks/"),
        ("post", f"/desk/{slug_b}/customers/{ana.pk}/accounts/"),
        ("post", f"/desk/{slug_b}/customers/{ana.pk}/consents/"),
        ("post", f"/desk/{slug_b}/customers/{ana.pk}/erase/"),
        ("post", f"/desk/{slug_b}/identity-checks/{check.pk}/verify/"),
        ("post", f"/desk/{slug_b}/accounts/{account.pk}/"),
        ("get", f"/desk/{tenant_a.org.slug}/customers/{ana.pk}/"),
        ("get", f"/desk/{tenant_a.org.slug}/search/"),
    ]:
        r = getattr(b, method)(url, {"confirm": "1", "answer": "napoli", "method": "question"})
        assert r.status_code == 404, (method, url, r.status_code)
    r = b.get(f"/desk/{slug_b}/search/", {"q": "Anna Cicciò"})
    assert f"/customers/{ana.pk}/" not in r.content.decode()
    assert Customer.objects.get(pk=ana.pk).erased_at is None
