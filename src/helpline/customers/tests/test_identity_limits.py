"""Issue 13: identity checks are throttled per customer, not per check: new checks and wrong
answers per hour are capped (a script could otherwise open check after check, each one
mailing the customer a code); refusals are 429 and audited."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from django.core import mail
from django.test import Client

from helpline.audit.models import AuditAction, AuditEntry
from helpline.customers import identity, services
from helpline.customers.models import Customer, IdentityCheck, IdentityStatus
from helpline.lib.errors import RateLimited

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(tenant_a: Tenant) -> Customer:
    c = services.create_customer(
        org=tenant_a.org, actor=tenant_a.actor, name="Sara Conti", email="sara@example.it"
    )
    services.set_security_question(
        customer=c, actor=tenant_a.actor, question="Primo animale?", answer="Fido"
    )
    c.refresh_from_db()
    return c


def test_new_checks_per_customer_and_hour_are_capped(
    customer: Customer, tenant_a: Tenant, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.HELPLINE_IDENTITY_CHECKS_PER_HOUR = 3
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            identity.start_identity_check(
                customer=customer, actor=tenant_a.actor, method="email_code"
            )
        with pytest.raises(RateLimited):
            identity.start_identity_check(
                customer=customer, actor=tenant_a.actor, method="email_code"
            )
    assert IdentityCheck.objects.filter(customer=customer).count() == 3
    assert len(mail.outbox) == 3  # the refused check mailed nothing
    refusal = AuditEntry.objects.get(action=AuditAction.REFUSED)
    assert refusal.object_id == str(customer.pk)
    assert refusal.changes["refused"] == [None, "identity_checks"]


def test_wrong_answers_count_across_checks_of_the_customer(
    customer: Customer, tenant_a: Tenant, settings: Any
) -> None:
    settings.HELPLINE_IDENTITY_CHECKS_PER_HOUR = 10
    settings.HELPLINE_IDENTITY_FAILURES_PER_HOUR = 5
    wrong = 0
    for _ in range(2):  # 3 wrong answers end a check; a new check does not reset the count
        check = identity.start_identity_check(
            customer=customer, actor=tenant_a.actor, method="question"
        )
        while check.status == IdentityStatus.PENDING and wrong < 5:
            check = identity.verify_identity_check(check=check, actor=tenant_a.actor, answer="x")
            wrong += 1
    assert wrong == 5
    # The pending check refuses even the right answer now, and ends failed.
    with pytest.raises(RateLimited):
        identity.verify_identity_check(check=check, actor=tenant_a.actor, answer="Fido")
    check.refresh_from_db()
    assert check.status == IdentityStatus.FAILED
    with pytest.raises(RateLimited):
        identity.start_identity_check(customer=customer, actor=tenant_a.actor, method="question")
    assert AuditEntry.objects.filter(action=AuditAction.REFUSED).count() == 2


def test_the_api_answers_429_past_the_limit(
    api_a: Client, customer: Customer, settings: Any
) -> None:
    settings.HELPLINE_IDENTITY_CHECKS_PER_HOUR = 1
    url = f"/api/v1/customers/{customer.pk}/identity-checks"
    body = json.dumps({"method": "question"})
    assert api_a.post(url, body, content_type="application/json").status_code == 201
    r = api_a.post(url, body, content_type="application/json")
    assert r.status_code == 429 and "Too many identity checks" in r.json()["detail"]
