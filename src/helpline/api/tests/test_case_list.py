"""GET /api/v1/cases: filters, sort orders, cursor pagination and a fixed query count."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from helpline.cases.services import change_status

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def cases(tenant_a: Any, make_case: Any, make_customer: Any) -> dict[str, Any]:
    """Five cases an hour apart, each different in one respect."""
    customer = make_customer(tenant_a, name="Giulia Bianchi")
    c = {
        "plain": make_case(tenant_a, title="Bin not collected", now=T0),
        "topic": make_case(
            tenant_a, title="Lamp", topic_id=tenant_a.topic.pk, now=T0 + timedelta(hours=1)
        ),
        "urgent": make_case(
            tenant_a,
            title="Flood",
            urgency="emergency",
            channel="email",
            now=T0 + timedelta(hours=2),
        ),
        "assigned": make_case(
            tenant_a,
            title="Noise",
            assignee_id=tenant_a.operator.pk,
            case_type="complaint",
            now=T0 + timedelta(hours=3),
        ),
        "requester": make_case(
            tenant_a,
            title="Water bill",
            requester_id=customer.pk,
            urgency="low",
            now=T0 + timedelta(hours=4),
        ),
    }
    change_status(case=c["plain"], actor=tenant_a.actor, status="open", now=T0 + timedelta(hours=5))
    c["customer"] = customer
    return c


def test_newest_first_by_default(api_a: Client, cases: dict[str, Any]) -> None:
    order = ["requester", "assigned", "urgent", "topic", "plain"]
    assert ids(api_a.get("/api/v1/cases")) == [cases[k].pk for k in order]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("status=open", ["plain"]),
        ("status=open&status=new", ["requester", "assigned", "urgent", "topic", "plain"]),
        ("urgency=emergency", ["urgent"]),
        ("urgency=emergency&urgency=low", ["requester", "urgent"]),
        ("channel=email", ["urgent"]),
        ("case_type=complaint", ["assigned"]),
        ("unassigned=true", ["requester", "urgent", "topic", "plain"]),
        ("q=flood", ["urgent"]),
        ("q=bianchi", ["requester"]),
        ("created_from=2025-03-01T11:00:00Z", ["requester", "assigned", "urgent"]),
        ("created_to=2025-03-01T10:00:00Z", ["plain"]),
        ("created_from=2025-03-01T10:00:00Z&created_to=2025-03-01T12:00:00Z", ["urgent", "topic"]),
    ],
)
def test_filters(api_a: Client, cases: dict[str, Any], params: str, expected: list[str]) -> None:
    assert ids(api_a.get(f"/api/v1/cases?{params}")) == [cases[k].pk for k in expected]


def test_filter_by_ids(api_a: Client, tenant_a: Any, cases: dict[str, Any]) -> None:
    assert ids(api_a.get(f"/api/v1/cases?topic_id={tenant_a.topic.pk}")) == [cases["topic"].pk]
    assignee = tenant_a.operator.pk
    assert ids(api_a.get(f"/api/v1/cases?assignee_id={assignee}")) == [cases["assigned"].pk]
    requester = cases["customer"].pk
    assert ids(api_a.get(f"/api/v1/cases?requester_id={requester}")) == [cases["requester"].pk]


def test_free_text_finds_a_protocol_number(api_a: Client, cases: dict[str, Any]) -> None:
    number = cases["topic"].protocol_number
    assert ids(api_a.get(f"/api/v1/cases?q={number}")) == [cases["topic"].pk]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("oldest", ["plain", "topic", "urgent", "assigned", "requester"]),
        ("updated", ["plain", "requester", "assigned", "urgent", "topic"]),
        ("urgency", ["urgent", "assigned", "topic", "plain", "requester"]),
        ("protocol", ["requester", "assigned", "urgent", "topic", "plain"]),
    ],
)
def test_sort_orders(api_a: Client, cases: dict[str, Any], sort: str, expected: list[str]) -> None:
    assert ids(api_a.get(f"/api/v1/cases?sort={sort}")) == [cases[k].pk for k in expected]


@pytest.mark.parametrize("sort", ["newest", "oldest", "updated", "urgency", "protocol"])
def test_cursor_pages_cover_every_case_once(
    api_a: Client, cases: dict[str, Any], sort: str
) -> None:
    everything = ids(api_a.get(f"/api/v1/cases?sort={sort}"))
    seen: list[int] = []
    cursor = ""
    for _page in range(10):
        r = api_a.get(f"/api/v1/cases?sort={sort}&limit=2{cursor}")
        seen += ids(r)
        nxt = r.json()["next_cursor"]
        if nxt is None:
            break
        cursor = f"&cursor={nxt}"
    assert seen == everything
    assert len(seen) == 5


def test_cursor_keeps_the_filters_applied(api_a: Client, cases: dict[str, Any]) -> None:
    first = api_a.get("/api/v1/cases?unassigned=true&limit=3").json()
    second = api_a.get(f"/api/v1/cases?unassigned=true&limit=3&cursor={first['next_cursor']}")
    assert ids(second) == [cases["plain"].pk]
    assert second.json()["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("sort=random", "sort"),
        ("status=done", "status"),
        ("cursor=not-a-cursor", "cursor"),
        ("created_from=yesterday", "created_from"),
        ("topic_id=abc", "topic_id"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_parameter(
    api_a: Client, cases: dict[str, Any], params: str, field: str
) -> None:
    r = api_a.get(f"/api/v1/cases?{params}")
    assert r.status_code == 422
    assert [e["loc"][:2] for e in r.json()["detail"]] == [["query", field]]


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "values"),
    [
        ("newest", ["x", "y"]),
        ("newest", [{"dt": "2025-03-01T09:00:00+00:00"}, "not-an-id"]),
        ("newest", [{"dt": "2025-03-01T09:00:00+00:00"}, 2**70]),
        ("newest", [1.5, 2]),
        ("newest", [None, 2]),
        ("urgency", ["high", {"dt": "2025-03-01T09:00:00+00:00"}, 1]),
        ("protocol", [2025, 3]),
    ],
)
def test_a_tampered_cursor_is_422_not_500(
    api_a: Client, cases: dict[str, Any], sort: str, values: list[Any]
) -> None:
    r = api_a.get(f"/api/v1/cases?sort={sort}&cursor={_cursor(values)}")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_limit_defaults_to_50_and_caps_at_200(api_a: Client, tenant_a: Any, make_case: Any) -> None:
    for i in range(51):
        make_case(tenant_a, title=f"Case {i}")
    r = api_a.get("/api/v1/cases")
    assert len(r.json()["items"]) == 50
    assert r.json()["next_cursor"]
    assert len(api_a.get("/api/v1/cases?limit=200").json()["items"]) == 51


@pytest.mark.parametrize("page_size", [1, 30])
@pytest.mark.parametrize("sort", ["newest", "urgency"])
def test_list_runs_two_queries_whatever_the_page_size(
    api_a: Client,
    tenant_a: Any,
    make_case: Any,
    make_customer: Any,
    django_assert_num_queries: Any,
    page_size: int,
    sort: str,
) -> None:
    for i in range(30):
        customer = make_customer(tenant_a, name=f"Customer {i}")
        make_case(
            tenant_a,
            title=f"Case {i}",
            topic_id=tenant_a.topic.pk,
            subject_id=tenant_a.subject.pk,
            requester_id=customer.pk,
            assignee_id=tenant_a.operator.pk,
        )
    api_a.get("/api/v1/topics")  # the token's last-use stamp is written once a minute
    url = f"/api/v1/cases?limit={page_size}&sort={sort}&status=new&q=Case"
    # One query resolves the token, one reads the page with its joined rows.
    with django_assert_num_queries(2):
        r = api_a.get(url)
    assert len(r.json()["items"]) == page_size
    with django_assert_num_queries(2):
        api_a.get(f"{url}&cursor={r.json()['next_cursor']}" if page_size == 1 else url)


def test_free_text_finds_a_protocol_number_typed_in_lower_case(
    api_a: Client, cases: dict[str, Any]
) -> None:
    number = cases["urgent"].protocol_number.lower()
    assert ids(api_a.get(f"/api/v1/cases?q={number}")) == [cases["urgent"].pk]


def test_text_with_digits_that_is_no_protocol_number_searches_titles(
    api_a: Client, tenant_a: Any, make_case: Any
) -> None:
    lamp = make_case(tenant_a, title="Lamp 42 in via Roma")
    make_case(tenant_a, title="Other")
    assert ids(api_a.get("/api/v1/cases?q=lamp 42")) == [lamp.pk]


@pytest.mark.parametrize("sort", ["newest", "oldest", "urgency"])
def test_cursor_pages_cover_cases_opened_in_the_same_instant(
    api_a: Client, tenant_a: Any, make_case: Any, sort: str
) -> None:
    """The index bound on the first ordering key must keep rows that tie on it."""
    made = {
        make_case(tenant_a, title=f"Case {i}", now=T0 + timedelta(hours=i // 3)).pk
        for i in range(7)
    }
    seen: list[int] = []
    cursor = ""
    for _page in range(10):
        r = api_a.get(f"/api/v1/cases?sort={sort}&limit=2{cursor}")
        seen += ids(r)
        if not (nxt := r.json()["next_cursor"]):
            break
        cursor = f"&cursor={nxt}"
    assert sorted(seen) == sorted(made)
