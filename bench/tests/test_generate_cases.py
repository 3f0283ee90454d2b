"""The bench generator writes rows the app could have written (no timing here: the
benchmarks print figures, tests only check correctness)."""

from __future__ import annotations

import argparse
import random
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from bench import generate_cases
from bench._common import Target
from helpline.cases.models import Case, ProtocolCounter
from helpline.cases.services import open_case
from helpline.events.models import ContactEvent
from helpline.lib.actors import Actor


def _generate(slug: str, prefix: str, n: int) -> dict:
    args = argparse.Namespace(
        n=n, org_slug=slug, prefix=prefix, years=2, customers=300, operators=12, seed=7,
        events=True, skip_fk_checks=False,
    )  # fmt: skip
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    rnd = random.Random(args.seed)
    tenant = generate_cases.ensure_tenant(args, rnd)
    written = generate_cases.write(args, Target(vendor, "", ""), tenant, rnd)
    assert written == n
    return tenant


@pytest.mark.slow
@pytest.mark.django_db
def test_generated_cases_are_valid_for_the_app() -> None:
    tenant = _generate("gen-a", "GNA", 1500)
    other = _generate("gen-b", "GNB", 300)
    org = tenant["org"]
    cases = Case.objects.filter(organization=org)
    assert cases.count() == 1500
    assert ContactEvent.objects.filter(organization=org, kind="case_opened").count() == 1500

    # Protocol numbers: gap-free per year, and the counters stand at the last one.
    counters = dict(
        ProtocolCounter.objects.filter(organization=org).values_list("year", "last_seq")
    )
    per_year = cases.values("protocol_year").annotate(
        n=Count("id"), lo=Min("protocol_seq"), hi=Max("protocol_seq")
    )
    assert len(per_year) >= 2
    for row in per_year:
        assert row["lo"] == 1
        assert row["hi"] == row["n"] == counters[row["protocol_year"]]
    assert cases.values("protocol_number").distinct().count() == 1500

    # References stay within the tenant; reminders chase an earlier case of the customer.
    assert not cases.exclude(topic__isnull=True).exclude(topic__organization=org).exists()
    assert not cases.exclude(subject__isnull=True).exclude(subject__topic=F("topic")).exists()
    assert not cases.exclude(requester__isnull=True).exclude(requester__organization=org).exists()
    assert (
        not cases.exclude(assignee__isnull=True)
        .exclude(assignee__memberships__organization=org)
        .exists()
    )
    reminders = cases.filter(case_type="reminder")
    assert reminders.exists()
    assert not reminders.filter(
        Q(related_case__isnull=True)
        | ~Q(related_case__requester=F("requester"))
        | Q(related_case__created_at__gt=F("created_at"))
    ).exists()

    # Timestamps follow the lifecycle and none is in the future.
    now = timezone.now()
    assert not cases.filter(
        Q(first_response_at__lt=F("created_at"))
        | Q(resolved_at__lt=F("first_response_at"))
        | Q(closed_at__lt=F("resolved_at"))
        | Q(updated_at__lt=F("created_at"))
        | Q(updated_at__gt=now)
        | Q(created_at__lt=now - timedelta(days=2 * 366))
    ).exists()
    assert not cases.filter(status="closed", closed_at__isnull=True).exists()
    assert not cases.filter(status="new", first_response_at__isnull=False).exists()
    for case in cases.order_by("?")[:50]:
        case.full_clean()

    # The app carries on: the next case continues this year's series; the other tenant's
    # numbering is its own.
    year = max(counters)
    case = open_case(org=org, actor=Actor.system("test"), channel="phone",
                     case_type="information", title="after the generator")  # fmt: skip
    if case.protocol_year == year:
        assert case.protocol_seq == counters[year] + 1
    assert Case.objects.filter(organization=other["org"]).count() == 300
    assert not Case.objects.filter(
        organization=other["org"], protocol_number__startswith="GNA"
    ).exists()
