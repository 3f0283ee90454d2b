"""Writes of customer segments for the settings area and the API: validated, scoped to the
organisation, audited (``audit.rows``). A segment that customers, queues, skills or SLA
policies use cannot be deleted (it has no active flag): those must change first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpline.audit import rows
from helpline.customers.models import Segment
from helpline.lib.actors import Actor
from helpline.tenancy.models import Organization

SEGMENT_FIELDS = ("code", "name", "description")


def create_segment(*, org: Organization, actor: Actor, values: Mapping[str, Any]) -> Segment:
    """A new segment of customers (its own queues, skills and SLA policies may name it)."""
    return rows.create_row(
        org=org, actor=actor, model=Segment, values=rows.pick(values, SEGMENT_FIELDS)
    )


def update_segment(*, segment: Segment, actor: Actor, values: Mapping[str, Any]) -> Segment:
    return rows.update_row(instance=segment, actor=actor, values=rows.pick(values, SEGMENT_FIELDS))


def remove_segment(*, segment: Segment, actor: Actor) -> rows.Removal:
    """Delete a segment nothing refers to; otherwise refuse, naming what still uses it."""
    return rows.remove_row(instance=segment, actor=actor)
