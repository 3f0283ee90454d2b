"""A small demo has both tenants, every role, channel and case type, valid identifiers, and a
history in the past replayed in time order."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import phonenumbers
import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from stdnum.br import cnpj, cpf
from stdnum.it import codicefiscale, iva

from helpline.audit.models import AuditEntry
from helpline.cases.choices import CaseType, Status
from helpline.cases.models import Case, Message
from helpline.customers.models import Customer
from helpline.demo.loader import DEMO_PASSWORD, SUPERUSER, TENANTS
from helpline.demo.tests.conftest import NOW
from helpline.events.models import ContactEvent, EventKind
from helpline.tenancy.models import Membership, Organization, Role

pytestmark = pytest.mark.django_db

VALIDATORS = {
    "it.codicefiscale": codicefiscale.is_valid,
    "it.iva": iva.is_valid,
    "br.cpf": cpf.is_valid,
    "br.cnpj": cnpj.is_valid,
}


def _orgs() -> dict[str, Organization]:
    return {o.slug: o for o in Organization.objects.filter(slug__in=[t.slug for t in TENANTS])}


def test_both_tenants_exist_with_their_country_language_and_zone(demo: str) -> None:
    orgs = _orgs()
    valdoria, aguas = orgs["comune-valdoria"], orgs["aguas-do-vale"]
    assert (valdoria.country, valdoria.language, valdoria.time_zone) == ("IT", "it", "Europe/Rome")
    assert (aguas.country, aguas.language, aguas.time_zone) == ("BR", "pt-br", "America/Sao_Paulo")
    assert "Comune di Valdoria" in demo and "Águas do Vale" in demo


def test_every_role_has_a_member_who_can_log_in_with_the_demo_password(demo: str) -> None:
    for org in _orgs().values():
        members = Membership.objects.filter(organization=org).select_related("user__profile")
        assert {m.role for m in members} == set(Role.values)
        assert sum(m.role == Role.OPERATOR for m in members) == 3
        for m in members:
            assert m.user.profile.language == org.language
    for username in ("giulia.ferri", "ana.souza", "paolo.benedetti"):
        assert _login(username, DEMO_PASSWORD) is not None


def _login(username: str, password: str) -> Any:
    # A request, as the login page gives: django-axes counts failures per address.
    return authenticate(RequestFactory().post("/login/"), username=username, password=password)


def test_the_superuser_gets_a_random_password_printed_once_not_the_demo_one(demo: str) -> None:
    found = re.search(r"password, shown only now: (\S+)", demo)
    assert found is not None
    assert _login(SUPERUSER, DEMO_PASSWORD) is None
    admin = _login(SUPERUSER, found.group(1))
    assert admin is not None and admin.is_superuser


def test_every_channel_and_case_type_appears_in_each_tenant(demo: str) -> None:
    for spec in TENANTS:
        cases = Case.objects.filter(organization__slug=spec.slug)
        assert set(cases.values_list("channel", flat=True)) == set(spec.channels)
        assert set(cases.values_list("case_type", flat=True)) == set(CaseType.values)
    assert Case.objects.filter(organization__slug="comune-valdoria", channel="pec").exists()
    assert not Case.objects.filter(organization__slug="aguas-do-vale", channel="pec").exists()


def test_protocol_numbers_are_gap_free_per_tenant_and_year(demo: str) -> None:
    series: dict[tuple[int, int], list[int]] = defaultdict(list)
    for org_id, year, seq, number in Case.objects.filter(
        organization__in=_orgs().values()
    ).values_list("organization_id", "protocol_year", "protocol_seq", "protocol_number"):
        series[(org_id, year)].append(seq)
        assert number.endswith(f"-{year}-{seq:07d}")
    assert {year for _org, year in series} == {2024, 2025}  # the history crosses New Year
    for seqs in series.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))


def test_protocol_numbers_follow_the_order_cases_were_opened_in(demo: str) -> None:
    for org in _orgs().values():
        rows = list(
            Case.objects.filter(organization=org)
            .order_by("created_at", "id")
            .values_list("protocol_year", "protocol_seq")
        )
        assert rows == sorted(rows)


def test_customers_have_valid_tax_ids_and_e164_phones(demo: str) -> None:
    customers = list(Customer.objects.filter(organization__in=_orgs().values()))
    assert len(customers) == 24
    for c in customers:
        if c.tax_id:
            assert VALIDATORS[c.tax_id_kind](c.tax_id), (c.name, c.tax_id)
        if c.phone:
            number = phonenumbers.parse(c.phone)
            assert phonenumbers.is_valid_number(number), c.phone
            assert c.phone == phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.E164
            )
        assert c.email == "" or c.email.endswith(".example")
        assert c.created_at < NOW


def test_history_is_in_the_past_and_replayed_in_time_order(demo: str) -> None:
    kinds = set()
    for org in _orgs().values():
        events = list(ContactEvent.objects.filter(organization=org).order_by("id"))
        assert events and all(e.at <= NOW for e in events)
        assert [e.at for e in events] == sorted(e.at for e in events)
        case_audit = list(
            AuditEntry.objects.filter(organization=org, object_type="cases.case").order_by("id")
        )
        assert case_audit and [a.at for a in case_audit] == sorted(a.at for a in case_audit)
        assert all(a.at <= NOW for a in case_audit)
        kinds |= {e.kind for e in events}
    assert {EventKind.CASE_OPENED, EventKind.ASSIGNED, EventKind.ESCALATED} <= kinds
    assert {EventKind.MESSAGE_SENT, EventKind.STATUS_CHANGED} <= kinds


def test_older_cases_are_mostly_closed_and_recent_ones_still_open(demo: str) -> None:
    cases = list(Case.objects.filter(organization__in=_orgs().values()))
    closed = [c for c in cases if c.status == Status.CLOSED]
    assert len(closed) > len(cases) / 2
    assert any(c.is_active for c in cases)
    for c in closed:
        assert c.closed_at is not None and c.created_at <= c.closed_at <= NOW
    assert Message.objects.filter(case__in=cases, direction="note").exists()


def test_reminders_chase_an_earlier_case_of_the_same_customer(demo: str) -> None:
    reminders = Case.objects.filter(
        organization__in=_orgs().values(), case_type=CaseType.REMINDER
    ).select_related("related_case")
    assert reminders
    for r in reminders:
        chased: Any = r.related_case
        assert chased is not None and chased.created_at < r.created_at
        assert chased.requester_id == r.requester_id
        assert chased.protocol_number in r.title + r.description or chased.title in r.title
