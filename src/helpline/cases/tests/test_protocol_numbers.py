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


def _counter(tenant, year):
    from helpline.cases.models import ProtocolCounter

    return ProtocolCounter.objects.get(organization=tenant.org, year=year).last_seq


def test_a_reserved_block_gives_back_what_its_batch_did_not_use(tenant_a):
    """The intake's batch takes its numbers from one reserved block; the unused ones go
    back before the commit, so the next case continues the series without a gap."""
    from helpline.cases import protocol

    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    _open(tenant_a, now=now)
    with transaction.atomic(), protocol.reserved(org=tenant_a.org, at=now, size=10):
        two = [_open(tenant_a, now=now), _open(tenant_a, now=now)]
        assert _counter(tenant_a, 2026) == 11  # the block: 2..11
    assert [c.protocol_seq for c in two] == [2, 3]
    assert _counter(tenant_a, 2026) == 3
    assert _open(tenant_a, now=now).protocol_seq == 4


def test_a_case_rolled_back_to_its_savepoint_gives_its_number_back_to_the_block(tenant_a):
    from helpline.cases import protocol

    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with transaction.atomic(), protocol.reserved(org=tenant_a.org, at=now, size=2):
        first = _open(tenant_a, now=now)
        for _attempt in range(3):  # each rolled back: the block's first reservation too
            mark = protocol.mark()
            with pytest.raises(RuntimeError), transaction.atomic():
                _open(tenant_a, now=now)
                _open(tenant_a, now=now)  # past the block: one more taken
                raise RuntimeError
            protocol.rewind(mark)
        rest = [_open(tenant_a, now=now), _open(tenant_a, now=now)]
    assert [c.protocol_seq for c in [first, *rest]] == [1, 2, 3]
    assert _counter(tenant_a, 2026) == 3


def test_a_block_serves_only_its_tenant_and_year(tenant_a, tenant_b):
    from helpline.cases import protocol

    now = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # 23:30 in Rome
    with transaction.atomic(), protocol.reserved(org=tenant_a.org, at=now, size=5):
        other = _open(tenant_b, now=now)
        next_year = _open(tenant_a, now=datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
        this_year = _open(tenant_a, now=now)
    assert other.protocol_seq == next_year.protocol_seq == this_year.protocol_seq == 1
    assert (_counter(tenant_a, 2026), _counter(tenant_a, 2027)) == (1, 1)
