"""``--if-empty`` leaves an installation with data alone; ``--reset`` removes the demo and a
reload with the same seed and end time gives the same demo."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from helpline.audit.models import AuditEntry
from helpline.cases.models import Case
from helpline.demo.loader import TENANTS
from helpline.demo.tests.conftest import NOW
from helpline.events.models import ContactEvent
from helpline.tenancy.models import Organization

pytestmark = pytest.mark.django_db


def _run(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out, **options)
    return out.getvalue()


def _snapshot() -> list[tuple[str, str, str, str]]:
    return list(
        Case.objects.filter(organization__slug__in=[t.slug for t in TENANTS])
        .order_by("organization__slug", "protocol_number")
        .values_list("protocol_number", "channel", "status", "title")
    )


def test_if_empty_does_nothing_when_an_organisation_exists(tenant_a: object) -> None:
    before = (Organization.objects.count(), Case.objects.count(), AuditEntry.objects.count())
    output = _run("--if-empty")
    assert "already exist" in output
    assert (
        Organization.objects.count(),
        Case.objects.count(),
        AuditEntry.objects.count(),
    ) == before


def test_loading_twice_is_refused_and_reset_reloads_the_same_demo() -> None:
    small = {"customers": 6, "cases": 24, "seed": 3, "now": NOW.isoformat()}
    _run(**small)
    first = _snapshot()
    assert len(first) == 24
    assert "already exist" in _run("--if-empty", **small)
    assert _snapshot() == first
    with pytest.raises(CommandError, match="already loaded"):
        _run(**small)
    _run("--reset", **small)
    assert _snapshot() == first
    out = io.StringIO()
    call_command("load_demo", "--reset", cases=0, customers=0, stdout=out)
    assert _snapshot() == []
    ids = list(Organization.objects.filter(slug__in=[t.slug for t in TENANTS]).values_list("pk"))
    assert not ContactEvent.objects.exclude(organization_id__in=[i for (i,) in ids]).exists()
