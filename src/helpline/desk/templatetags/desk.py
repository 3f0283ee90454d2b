"""Template helpers of the desk: human-readable audit changes and contact events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from helpline.audit.models import AuditEntry
from helpline.cases.choices import CaseType, Level, Status, Urgency
from helpline.cases.models import Case
from helpline.events.models import ContactEvent, EventKind

register = template.Library()

EMPTY = "—"


def _label(choices: type[Any], value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _field_value(name: str, value: Any, lookups: Mapping[str, Mapping[Any, str]]) -> str:
    if value in (None, ""):
        return EMPTY
    if name in lookups:
        return lookups[name].get(value) or f"#{value}"
    try:
        field = Case._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)
    choices = dict(getattr(field, "flatchoices", None) or [])
    return str(choices.get(value, value))


def _field_label(name: str) -> str:
    try:
        field = Case._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name)).capitalize()


@register.simple_tag
def audit_rows(
    entry: AuditEntry, lookups: Mapping[str, Mapping[Any, str]]
) -> list[tuple[str, str, str]]:
    """``(field label, before, after)`` for each change of an audit entry."""
    rows = []
    for name, pair in (entry.changes or {}).items():
        before, after = ([*pair, None, None][:2]) if isinstance(pair, list) else (None, pair)
        rows.append(
            (
                _field_label(name),
                _field_value(name, before, lookups),
                _field_value(name, after, lookups),
            )
        )
    return rows


@register.simple_tag
def event_summary(event: ContactEvent, lookups: Mapping[str, Mapping[Any, str]]) -> str:
    """One line saying what a contact event changed, beyond its kind."""
    data = event.data or {}
    kind = event.kind
    if kind == EventKind.STATUS_CHANGED:
        return f"{_label(Status, data.get('from'))} → {_label(Status, data.get('to'))}"
    if kind == EventKind.URGENCY_CHANGED:
        return f"{_label(Urgency, data.get('from'))} → {_label(Urgency, data.get('to'))}"
    if kind == EventKind.ESCALATED:
        return f"{_label(Level, data.get('from'))} → {_label(Level, data.get('to'))}"
    if kind == EventKind.ASSIGNED:
        who = data.get("assignee")
        if who is None:
            return _("nobody")
        return lookups.get("assignee", {}).get(who) or f"#{who}"
    if kind == EventKind.RECLASSIFIED:
        return _reclassified_summary(data, lookups)
    if kind == EventKind.CASE_OPENED:
        return str(data.get("protocol", ""))
    count = data.get("attachments") or 0
    if count:
        return ngettext("%(count)d attachment", "%(count)d attachments", count) % {"count": count}
    return ""


def _classification(side: Mapping[str, Any], lookups: Mapping[str, Mapping[Any, str]]) -> str:
    topic = side.get("topic")
    subject = side.get("subject")
    if topic is None:
        return EMPTY
    text = lookups.get("topic", {}).get(topic) or f"#{topic}"
    if subject is not None:
        text += " › " + (lookups.get("subject", {}).get(subject) or f"#{subject}")
    return text


def _reclassified_summary(data: Mapping[str, Any], lookups: Mapping[str, Mapping[Any, str]]) -> str:
    """One line of what changed: the type (old → new), the topic and subject (old → new)."""
    old, new = data.get("from") or {}, data.get("to") or {}
    parts = []
    if old.get("type") != new.get("type"):
        parts.append(f"{_label(CaseType, old.get('type'))} → {_label(CaseType, new.get('type'))}")
    if (old.get("topic"), old.get("subject")) != (new.get("topic"), new.get("subject")):
        parts.append(f"{_classification(old, lookups)} → {_classification(new, lookups)}")
    return "; ".join(parts)


@register.simple_tag
def form_errors(errors: Mapping[str, Mapping[str, list[str]]], form: str, field: str) -> list[str]:
    """The messages a service gave for ``field`` of one of the case page's forms."""
    return list((errors.get(form) or {}).get(field) or [])


@register.simple_tag
def other_errors(
    errors: Mapping[str, Mapping[str, list[str]]], form: str, *known: str
) -> list[str]:
    """Messages for fields the form does not show (and for the form as a whole)."""
    out = []
    for field, msgs in (errors.get(form) or {}).items():
        if field not in known:
            out.extend(msgs)
    return out
