"""The case list filters, sorts and pages through cases, and htmx gets the table alone."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from helpline.cases.models import Subject, Topic
from helpline.cases.services import change_status
from helpline.customers.services import create_customer
from helpline.desk.tests.helpers import HTMX, make_case


def _protocols(response) -> list[str]:
    return re.findall(r'class="protocol"[^>]*>([A-Z]+-\d{4}-\d+)<', response.content.decode())


@pytest.fixture
def cases(tenant_a):
    water = Topic.objects.create(organization=tenant_a.org, code="water", name="Water")
    Subject.objects.create(organization=tenant_a.org, topic=water, code="leak", name="Leak")
    mario = create_customer(org=tenant_a.org, actor=tenant_a.actor, name="Mario Rossi")
    c = {
        "plain": make_case(tenant_a, title="Opening hours"),
        "urgent_phone": make_case(
            tenant_a, title="Pole down", channel="phone", urgency="emergency", topic_id=water.pk
        ),
        "mine": make_case(tenant_a, title="Certificate request", assignee_id=tenant_a.operator.pk),
        "supervisors": make_case(
            tenant_a,
            title="Complaint about noise",
            case_type="complaint",
            assignee_id=tenant_a.supervisor.pk,
            requester_id=mario.pk,
        ),
    }
    change_status(case=c["plain"], actor=tenant_a.actor, status="closed")
    return c


def _list(client, tenant, **params):
    return client.get(reverse("desk:case_list", args=[tenant.org.slug]), params)


def test_without_filters_every_case_is_listed_newest_first(desk_a, tenant_a, cases):
    response = _list(desk_a, tenant_a)
    assert response.status_code == 200
    expected = [cases[k].protocol_number for k in ("supervisors", "mine", "urgent_phone", "plain")]
    assert _protocols(response) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "closed"}, {"plain"}),
        ({"status": "active"}, {"urgent_phone", "mine", "supervisors"}),
        ({"urgency": "emergency"}, {"urgent_phone"}),
        ({"channel": "phone"}, {"urgent_phone"}),
        ({"case_type": "complaint"}, {"supervisors"}),
        ({"assignee": "mine"}, {"mine"}),
        ({"assignee": "unassigned"}, {"plain", "urgent_phone"}),
        ({"q": "pole"}, {"urgent_phone"}),
        ({"q": "rossi"}, {"supervisors"}),
    ],
)
def test_each_filter_narrows_the_list(desk_a, tenant_a, cases, params, expected):
    found = set(_protocols(_list(desk_a, tenant_a, **params)))
    assert found == {cases[k].protocol_number for k in expected}


def test_topic_and_assignee_filters_take_ids(desk_a, tenant_a, cases):
    water = Topic.objects.get(organization=tenant_a.org, code="water")
    assert _protocols(_list(desk_a, tenant_a, topic=water.pk)) == [
        cases["urgent_phone"].protocol_number
    ]
    assert _protocols(_list(desk_a, tenant_a, assignee=tenant_a.supervisor.pk)) == [
        cases["supervisors"].protocol_number
    ]


def test_a_protocol_number_finds_its_case(desk_a, tenant_a, cases):
    number = cases["mine"].protocol_number
    assert _protocols(_list(desk_a, tenant_a, q=number)) == [number]


def test_sorting_by_urgency_puts_emergencies_first(desk_a, tenant_a, cases):
    assert _protocols(_list(desk_a, tenant_a, sort="urgency"))[0] == (
        cases["urgent_phone"].protocol_number
    )
    assert _protocols(_list(desk_a, tenant_a, sort="oldest"))[0] == cases["plain"].protocol_number


def test_an_invalid_filter_value_is_reported_not_a_crash(desk_a, tenant_a, cases):
    response = _list(desk_a, tenant_a, topic="999999", status="bogus")
    assert response.status_code == 200
    assert 'data-field="topic"' in response.content.decode()
    assert len(_protocols(response)) == 4


def test_htmx_gets_only_the_table(desk_a, tenant_a, cases):
    response = desk_a.get(
        reverse("desk:case_list", args=[tenant_a.org.slug]),
        {"urgency": "emergency"},
        headers={**HTMX, "HX-Target": "case-table"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="case-table"')
    assert "<html" not in html
    assert _protocols(response) == [cases["urgent_phone"].protocol_number]


def test_next_page_follows_the_cursor_without_repeating_a_case(
    desk_a, tenant_a, monkeypatch
) -> None:
    monkeypatch.setattr("helpline.desk.views.PAGE_SIZE", 3)
    made = [make_case(tenant_a, title=f"Case {i}") for i in range(7)]
    seen: list[str] = []
    url = reverse("desk:case_list", args=[tenant_a.org.slug]) + "?sort=oldest"
    for _page in range(5):
        response = desk_a.get(url)
        seen += _protocols(response)
        match = re.search(r'rel="next" href="([^"]+)"', response.content.decode())
        if not match:
            break
        url = match.group(1).replace("&amp;", "&")
        assert "sort=oldest" in url
    assert seen == [c.protocol_number for c in made]


def test_a_broken_cursor_falls_back_to_the_first_page(desk_a, tenant_a, cases):
    response = _list(desk_a, tenant_a, cursor="not-a-cursor")
    assert response.status_code == 200
    assert len(_protocols(response)) == 4
