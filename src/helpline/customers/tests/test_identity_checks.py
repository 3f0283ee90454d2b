"""Account data changes only after an identity check by the same operator, still fresh;
every start and outcome is audited, codes travel by e-mail or through the SMS port."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail

from helpline.audit.models import AuditEntry
from helpline.customers import identity, services
from helpline.customers.models import IdentityStatus, ServiceAccount
from helpline.customers.sms import InMemorySms
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, Forbidden, IllegalTransition


@pytest.fixture
def customer(tenant_b):
    c = services.create_customer(
        org=tenant_b.org,
        actor=tenant_b.actor,
        name="Ana Lima",
        email="ana@example.com",
        phone="11987654321",
    )
    services.set_security_question(
        customer=c, actor=tenant_b.actor, question="Nome do primeiro animal?", answer="Totó"
    )
    c.refresh_from_db()
    return c


def _passed(customer, actor, answer="toto"):
    check = identity.start_identity_check(customer=customer, actor=actor, method="question")
    return identity.verify_identity_check(check=check, actor=actor, answer=answer)


def test_security_answer_is_compared_without_case_or_accents(customer, tenant_b):
    check = _passed(customer, tenant_b.actor, answer="  TOTO ")
    assert check.status == IdentityStatus.PASSED


def test_account_changes_are_refused_without_a_valid_check(customer, tenant_b):
    with pytest.raises(Forbidden):
        services.create_account(
            customer=customer, actor=tenant_b.actor, identity_check=None, account_number="A1"
        )
    failed = identity.start_identity_check(
        customer=customer, actor=tenant_b.actor, method="question"
    )
    for _ in range(3):
        failed = identity.verify_identity_check(check=failed, actor=tenant_b.actor, answer="rex")
    assert failed.status == IdentityStatus.FAILED and failed.attempts == 3
    with pytest.raises(Forbidden):
        services.create_account(
            customer=customer, actor=tenant_b.actor, identity_check=failed, account_number="A1"
        )
    assert not ServiceAccount.objects.exists()


def test_a_check_is_valid_only_for_its_operator_and_while_fresh(customer, tenant_b):
    check = _passed(customer, tenant_b.actor)
    account = services.create_account(
        customer=customer, actor=tenant_b.actor, identity_check=check, account_number="A1"
    )
    other = Actor.for_user(tenant_b.supervisor)
    with pytest.raises(Forbidden):
        services.update_account(
            account=account, actor=other, identity_check=check, meter_number="M-9"
        )
    check.verified_at = check.verified_at - timedelta(minutes=16)
    check.save()
    with pytest.raises(Forbidden):
        services.update_account(
            account=account, actor=tenant_b.actor, identity_check=check, meter_number="M-9"
        )
    account.refresh_from_db()
    assert account.meter_number == ""


def test_a_check_of_another_customer_does_not_count(customer, tenant_b):
    other = services.create_customer(org=tenant_b.org, actor=tenant_b.actor, name="Rui Costa")
    check = _passed(customer, tenant_b.actor)
    with pytest.raises(Forbidden):
        services.create_account(
            customer=other, actor=tenant_b.actor, identity_check=check, account_number="A2"
        )


def test_email_code_is_sent_hashed_and_verifies(
    customer, tenant_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        check = identity.start_identity_check(
            customer=customer, actor=tenant_b.actor, method="email_code"
        )
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ana@example.com"]
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)
    assert code not in check.code_hash
    assert (
        identity.verify_identity_check(check=check, actor=tenant_b.actor, answer=code).status
        == IdentityStatus.PASSED
    )


def test_sms_code_goes_through_the_port(customer, tenant_b, django_capture_on_commit_callbacks):
    InMemorySms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        check = identity.start_identity_check(
            customer=customer, actor=tenant_b.actor, method="sms_code"
        )
    assert [m.to for m in InMemorySms.outbox] == ["+5511987654321"]
    code = re.search(r"\b(\d{6})\b", InMemorySms.outbox[0].body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    assert identity.verify_identity_check(
        check=check, actor=tenant_b.actor, answer=wrong
    ).status == (IdentityStatus.PENDING)
    assert identity.verify_identity_check(
        check=check, actor=tenant_b.actor, answer=code
    ).status == (IdentityStatus.PASSED)
    with pytest.raises(IllegalTransition):
        identity.verify_identity_check(check=check, actor=tenant_b.actor, answer=code)


def test_unusable_methods_are_refused_naming_the_field(tenant_b):
    bare = services.create_customer(org=tenant_b.org, actor=tenant_b.actor, name="Sem Dados")
    for method in ("question", "email_code", "sms_code", "telepathy"):
        with pytest.raises(FieldValidationError) as exc:
            identity.start_identity_check(customer=bare, actor=tenant_b.actor, method=method)
        assert "method" in exc.value.errors


def test_checks_and_outcomes_are_audited_without_the_answer(customer, tenant_b):
    check = _passed(customer, tenant_b.actor)
    entries = AuditEntry.objects.filter(
        object_type="customers.identitycheck", object_id=str(check.pk)
    )
    outcomes = [e.changes.get("outcome", [None, None])[1] for e in entries.order_by("pk")]
    assert outcomes == [None, "passed"]
    assert all("toto" not in str(e.changes).lower() for e in AuditEntry.objects.all())
    assert entries.first().actor_user_id == tenant_b.operator.pk
