"""The case list runs the same number of queries whatever the number of cases, and never
counts the table (it has to stay fast with 1,000,000 cases)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from helpline.customers.services import create_customer
from helpline.desk.tests.helpers import make_case


def _fill(tenant, n: int) -> None:
    customer = create_customer(org=tenant.org, actor=tenant.actor, name="Anna Bianchi")
    for i in range(n):
        make_case(
            tenant,
            title=f"Case {i}",
            topic_id=tenant.topic.pk,
            requester_id=customer.pk,
            assignee_id=tenant.operator.pk if i % 2 else None,
        )


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_list_queries_do_not_grow_with_the_number_of_cases(
    desk_a, tenant_a, django_assert_num_queries
):
    url = reverse("desk:case_list", args=[tenant_a.org.slug])
    _fill(tenant_a, 5)
    few = len(_queries(desk_a, url))
    _fill(tenant_a, 55)
    with django_assert_num_queries(few):
        desk_a.get(url)
    with django_assert_num_queries(few):
        desk_a.get(url, {"status": "new", "q": "Case", "sort": "urgency"})


def test_list_never_counts_the_cases(desk_a, tenant_a):
    _fill(tenant_a, 3)
    sqls = _queries(desk_a, reverse("desk:case_list", args=[tenant_a.org.slug]))
    assert not [s for s in sqls if "COUNT(" in s.upper()]
