"""Protocol numbers are unique, never reused and gap-free per tenant and year."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpline.cases.models import Case
from helpline.cases.protocol import format_protocol
from helpline.cases.services import open_case
from helpline.cases.tests._protocol_worker import create_cases


def _open(tenant, **kw):
    return open_case(
        org=tenant.org,
        actor=tenant.actor,
        channel="phone",
        case_type="information",
        title="Question",
        **kw,
    )


def test_numbers_follow_the_default_format_and_count_up(tenant_a):
    first, second = _open(tenant_a), _open(tenant_a)
    year = first.created_at.year
    assert first.protocol_number == f"CMN-{year}-0000001"
    assert second.protocol_number == f"CMN-{year}-0000002"


def test_each_tenant_has_its_own_series(tenant_a, tenant_b):
    a, b = _open(tenant_a), _open(tenant_b)
    assert a.protocol_seq == b.protocol_seq == 1
    assert a.protocol_number != b.protocol_number


def test_series_restarts_each_year_in_the_tenant_time_zone(tenant_a):
    # 23:30 UTC on 31 December is already 1 January in Rome.
    late = _open(tenant_a, now=datetime(2025, 12, 31, 22, 30, tzinfo=UTC))
    new_year = _open(tenant_a, now=datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
    assert (late.protocol_year, late.protocol_seq) == (2025, 1)
    assert (new_year.protocol_year, new_year.protocol_seq) == (2026, 1)


def test_format_is_configurable_per_tenant(tenant_a):
    tenant_a.org.protocol_format = "{year}/{prefix}/{seq:05d}"
    tenant_a.org.save()
    assert format_protocol(tenant_a.org, 2026, 42) == "2026/CMN/00042"


def test_a_failed_creation_gives_its_number_back(tenant_a):
    _open(tenant_a)
    with pytest.raises(RuntimeError), transaction.atomic():
        _open(tenant_a)
        raise RuntimeError("storage failed after the number was taken")
    third = _open(tenant_a)
    assert third.protocol_seq == 2


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(outcomes=st.lists(st.booleans(), min_size=1, max_size=12))
def test_any_mix_of_commits_and_rollbacks_leaves_no_gap(tenant_a, outcomes):
    start = Case.objects.filter(organization=tenant_a.org).count()
    for commit in outcomes:
        try:
            with transaction.atomic():
                _open(tenant_a)
                if not commit:
                    raise RuntimeError
        except RuntimeError:
            pass
    seqs = list(
        Case.objects.filter(organization=tenant_a.org)
        .order_by("protocol_seq")
        .values_list("protocol_seq", flat=True)
    )
    assert seqs == list(range(1, start + sum(outcomes) + 1))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_processes_get_unique_gap_free_numbers(tenant_a):
    processes, per_process = 4, 40
    ctx = multiprocessing.get_context("spawn")
    db_name = connection.settings_dict["NAME"]
    with ctx.Pool(processes) as pool:
        results = pool.starmap(create_cases, [(db_name, tenant_a.org.pk, per_process)] * processes)
    numbers = [n for chunk in results for n in chunk]
    assert len(numbers) == len(set(numbers)) == processes * per_process
    seqs = sorted(
        Case.objects.filter(organization=tenant_a.org).values_list("protocol_seq", flat=True)
    )
    assert seqs == list(range(1, processes * per_process + 1))
