"""Writes of the topic catalogue (topics and their subjects) for the settings area and the
API: validated, scoped to the organisation, audited (``audit.rows``). A topic or subject
that cases already use is deactivated instead of deleted, so those cases keep it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpline.audit import rows
from helpline.cases.models import Subject, Topic
from helpline.lib.actors import Actor
from helpline.tenancy.models import Organization

TOPIC_FIELDS = ("code", "name", "description", "position", "is_active")
SUBJECT_FIELDS = ("topic", "code", "name", "default_case_type", "position", "is_active")


def create_topic(*, org: Organization, actor: Actor, values: Mapping[str, Any]) -> Topic:
    """A new first-level entry of the catalogue."""
    return rows.create_row(
        org=org, actor=actor, model=Topic, values=rows.pick(values, TOPIC_FIELDS)
    )


def update_topic(*, topic: Topic, actor: Actor, values: Mapping[str, Any]) -> Topic:
    return rows.update_row(instance=topic, actor=actor, values=rows.pick(values, TOPIC_FIELDS))


def remove_topic(*, topic: Topic, actor: Actor) -> rows.Removal:
    """Delete an unused topic; one with cases, subjects, queues or skills is deactivated."""
    return rows.remove_row(instance=topic, actor=actor)


def create_subject(*, org: Organization, actor: Actor, values: Mapping[str, Any]) -> Subject:
    """A new subject under one of the organisation's topics."""
    return rows.create_row(
        org=org, actor=actor, model=Subject, values=rows.pick(values, SUBJECT_FIELDS)
    )


def update_subject(*, subject: Subject, actor: Actor, values: Mapping[str, Any]) -> Subject:
    return rows.update_row(instance=subject, actor=actor, values=rows.pick(values, SUBJECT_FIELDS))


def remove_subject(*, subject: Subject, actor: Actor) -> rows.Removal:
    """Delete an unused subject; one that cases use is deactivated."""
    return rows.remove_row(instance=subject, actor=actor)
