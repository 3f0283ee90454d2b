"""The engine's batches: how few statements a batch costs, and that the database, not the
snapshot, has the last word on every reservation."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test.utils import override_settings

from helpline.events.models import ContactEvent, EventKind
from helpline.routing import engine, loops
from helpline.routing.models import Agent, Offer, Task

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL statements"
)


class _Counting:
    """Records the messages the engine sends through its psycopg cursor (each may hold
    several statements); ``before_write`` runs a query in the transaction just before the
    write statement is sent."""

    def __init__(self, cursor: Any, log: list[str], before_write: str | None) -> None:
        self._cursor, self._log, self._before_write = cursor, log, before_write

    def execute(self, sql: str, *args: Any, **kw: Any) -> Any:
        if self._before_write and engine._WRITE_NAME in sql:
            self._cursor.execute(self._before_write)
            self._log.append(f"before write: {self._cursor.fetchone()[0]}")
        self._log.append(_shape(sql))
        return self._cursor.execute(sql, *args, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def _shape(sql: str) -> str:
    """``BEGIN; EXECUTE helpline_routing_claim('1', …)`` -> ``BEGIN; claim``."""
    parts = []
    for statement in sql.split("; "):
        if statement.startswith("EXECUTE "):
            parts.append(statement.split("(")[0].removeprefix("EXECUTE helpline_routing_"))
        else:
            parts.append(statement)
    return "; ".join(parts)


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], dict[str, str | None]]:
    log: list[str] = []
    state: dict[str, str | None] = {"before_write": None}
    real = engine._pg_cursor
    monkeypatch.setattr(engine, "_pg_cursor", lambda: _Counting(real(), log, state["before_write"]))
    return log, state


def _eight(desk):
    users = [desk.agent(f"a{i}") for i in range(8)]
    for u in users:
        desk.available(u)
    for _ in range(8):
        desk.case(channel="phone")
    return users


def _check_eight_offers(decisions, users):
    assert len(decisions) == 8
    assert sorted(d.user_id for d in decisions) == sorted(u.pk for u in users)
    assert Offer.objects.filter(outcome="pending").count() == 8
    assert ContactEvent.objects.filter(kind=EventKind.OFFERED).count() == 8
    assert set(Task.objects.values_list("status", flat=True)) == {"offered"}
    offered = Task.objects.values_list("agent_id", flat=True)
    assert sorted(offered) == sorted(u.pk for u in users)


@postgres_only
@pytest.mark.django_db(transaction=True)
@override_settings(HELPLINE_ROUTING_ASYNC_COMMIT=False)
def test_a_batch_is_two_round_trips_when_the_engine_owns_its_transaction(desk, statements):
    log, _state = statements
    users = _eight(desk)
    decisions = engine.route_cycle(org_id=desk.tenant.org.pk, batch=8)
    _check_eight_offers(decisions, users)
    # BEGIN with the claim, the write with COMMIT; then a claim that finds nothing more
    assert log == ["BEGIN; claim", "write; COMMIT", "BEGIN; claim", "COMMIT"]


@postgres_only
def test_inside_a_callers_transaction_a_batch_is_one_claim_and_one_write(desk, statements):
    log, _state = statements
    users = _eight(desk)
    decisions = engine.route_cycle(org_id=desk.tenant.org.pk, batch=8)
    _check_eight_offers(decisions, users)
    assert log == ["claim", "write", "claim"]  # the caller commits, synchronously


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("asynchronous", "expected"), [(True, "off"), (False, "on")])
def test_offer_transactions_commit_without_waiting_for_the_disk_when_configured(
    desk, statements, asynchronous, expected
):
    log, state = statements
    state["before_write"] = "SELECT current_setting('synchronous_commit')"
    ann = desk.agent("ann")
    desk.available(ann)
    desk.case(channel="phone")
    with override_settings(HELPLINE_ROUTING_ASYNC_COMMIT=asynchronous):
        (decision,) = engine.route_cycle(org_id=desk.tenant.org.pk)
    assert f"before write: {expected}" in log
    assert Offer.objects.get(pk=decision.offer_id).user_id == ann.pk
    with connection.cursor() as cursor:  # SET LOCAL: gone with the transaction
        cursor.execute("SELECT current_setting('synchronous_commit')")
        assert cursor.fetchone()[0] == "on"


def test_a_stale_snapshot_offers_to_the_next_candidate_in_the_next_batch(desk):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    ann, bob = desk.agent("ann"), desk.agent("bob")
    desk.available(ann, now=now - timedelta(minutes=10))  # idle longest: first choice
    desk.available(bob, now=now - timedelta(minutes=1))
    case = desk.case(channel="phone")
    org_id = desk.tenant.org.pk
    cycle = engine.Cycle(org_id, engine.load_config(org_id), engine.load_agents(org_id))
    Agent.objects.filter(user=ann).update(state="paused")  # after the snapshot was read
    at = timezone.now()
    decisions, after, looked = engine.route_batch(cycle=cycle, now=at)
    assert (looked, decisions) == (1, [])  # the database refused ann
    decisions, after, looked = engine.route_batch(cycle=cycle, now=at, after=after)
    assert (looked, [d.user_id for d in decisions]) == (1, [bob.pk])  # claimed again
    assert Agent.objects.get(user=ann).load_voice == 0
    assert Agent.objects.get(user=bob).load_voice == 1
    events = ContactEvent.objects.filter(case_id=case.pk, kind=EventKind.OFFERED)
    assert [e.data["agent"] for e in events] == [bob.pk]


def test_one_agent_takes_several_items_of_one_kind_in_one_batch_up_to_capacity(desk):
    ann = desk.agent("ann")
    desk.available(ann)
    for _ in range(6):
        desk.case(channel="email")
    decisions = engine.route_cycle(org_id=desk.tenant.org.pk, batch=8)
    assert [d.user_id for d in decisions] == [ann.pk] * 5
    assert Agent.objects.get(user=ann).load_written == 5
    assert Task.objects.filter(status="waiting").count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_agent_row_locked_elsewhere_is_skipped_never_waited_for(desk):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    ann, bob = desk.agent("ann"), desk.agent("bob")
    desk.available(ann, now=now - timedelta(minutes=10))  # first choice, but busy right now
    desk.available(bob, now=now - timedelta(minutes=1))
    desk.case(channel="phone")
    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        password=settings["PASSWORD"] or None,
    )
    try:
        other.execute("SELECT id FROM routing_agent WHERE user_id = %s FOR UPDATE", [ann.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # waiting would fail the test
        try:
            decisions = engine.route_cycle(org_id=desk.tenant.org.pk)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        other.rollback()
        other.close()
    assert [d.user_id for d in decisions] == [bob.pk]
    assert Agent.objects.get(user=ann).load_voice == 0


def test_the_loop_pushes_each_offer_with_its_case(desk, monkeypatch):
    monkeypatch.setattr(
        loops, "close_old_connections", lambda: None
    )  # inside the test's transaction
    ann = desk.agent("ann")
    desk.available(ann)
    case = desk.case(channel="phone", title="Line down")
    (push,) = loops.tick()
    offer = Offer.objects.get()
    assert push["group"] == f"routing.agent.{desk.tenant.org.pk}.{ann.pk}"
    assert push["payload"] | {"expires_at": None} == {
        "type": "offer",
        "offer": offer.pk,
        "task": offer.task_id,
        "protocol": case.protocol_number,
        "title": "Line down",
        "expires_at": None,
    }
    assert loops.tick() == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_failure_mid_batch_rolls_the_engines_own_transaction_back(desk, monkeypatch):
    ann = desk.agent("ann")
    desk.available(ann)
    desk.case(channel="phone")

    def broken(*args: Any) -> Any:
        raise RuntimeError("matching failed")

    monkeypatch.setattr(engine, "_match", broken)
    with pytest.raises(RuntimeError):
        engine.route_cycle(org_id=desk.tenant.org.pk)
    assert connection.connection.info.transaction_status == 0  # idle: rolled back
    monkeypatch.undo()
    (decision,) = engine.route_cycle(org_id=desk.tenant.org.pk)  # the task was not held
    assert decision.user_id == ann.pk
    assert Task.objects.get().status == "offered"
