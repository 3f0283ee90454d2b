"""SLA fixtures: an Italian office calendar and a policy for a tenant."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from helpline.sla.models import (
    Calendar,
    OpeningSlot,
    Policy,
    PolicyTarget,
    TargetKind,
    TargetUnit,
)


def office_policy(org: Any, *, name: str = "Office") -> Policy:
    """Mon-Fri 8-12 and 14-17 in Rome with Italian holidays; first response in 2 business
    hours, resolution in 5 working days."""
    cal = Calendar.objects.create(
        organization=org, name=name, time_zone="Europe/Rome", holiday_country="IT", is_default=True
    )
    for wd in range(5):
        OpeningSlot.objects.create(calendar=cal, weekday=wd, start=time(8), end=time(12))
        OpeningSlot.objects.create(calendar=cal, weekday=wd, start=time(14), end=time(17))
    policy = Policy.objects.create(organization=org, name=name, calendar=cal)
    PolicyTarget.objects.create(
        policy=policy, kind=TargetKind.FIRST_RESPONSE, amount=2, unit=TargetUnit.HOURS
    )
    PolicyTarget.objects.create(
        policy=policy, kind=TargetKind.RESOLUTION, amount=5, unit=TargetUnit.WORKING_DAYS
    )
    return policy


@pytest.fixture
def policy_a(tenant_a: Any) -> Policy:
    return office_policy(tenant_a.org)


@pytest.fixture
def policy_b(tenant_b: Any) -> Policy:
    return office_policy(tenant_b.org, name="Escritório")
