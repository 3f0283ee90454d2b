"""SLA badges for the desk: ``{% sla_badge case %}`` on list rows (reads the ``sla`` row the
case list selects with the case) and ``{% sla_panel case %}`` on the case page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from helpline.sla.models import BadgeState, Clock, ClockState, TargetKind

register = template.Library()


def duration(seconds: int) -> str:
    """A short human duration: 45 min, 3 h 20 min, 2 d 4 h."""
    seconds = abs(int(seconds))
    minutes = seconds // 60
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}


def time_left(due: datetime | None, now: datetime | None = None) -> str:
    if due is None:
        return ""
    left = (due - (now or timezone.now())).total_seconds()
    if left < 0:
        return _("late by %(time)s") % {"time": duration(int(-left))}
    return _("%(time)s left") % {"time": duration(int(left))}


@register.simple_tag
def sla_badge(case: Any) -> SafeString | str:
    try:
        badge = case.sla
    except ObjectDoesNotExist:
        return ""
    if badge is None or badge.state == BadgeState.NONE:
        return ""
    state = badge.state
    if state == BadgeState.OK and badge.next_due_at and badge.next_due_at <= timezone.now():
        state = BadgeState.BREACHED  # the ticker has not run yet; show the truth
    text = time_left(badge.next_due_at) or BadgeState(state).label
    title = TargetKind(badge.next_kind).label if badge.next_kind else BadgeState(state).label
    return format_html('<span class="badge sla sla-{}" title="{}">{}</span>', state, title, text)


@register.inclusion_tag("sla/_panel.html", takes_context=True)
def sla_panel(context: Any, case: Any) -> dict[str, Any]:
    """The case's clocks with their state and time left (one query)."""
    now = timezone.now()
    clocks = list(
        Clock.objects.filter(case_id=case.pk, organization_id=case.organization_id).order_by(
            "started_at", "id"
        )
    )
    rows = []
    for c in clocks:
        late = c.due_at is not None and c.state == ClockState.RUNNING and c.due_at <= now
        if c.state == ClockState.STOPPED:
            state = BadgeState.BREACHED if c.breached_at else BadgeState.MET
        elif c.state == ClockState.PAUSED:
            state = BadgeState.PAUSED
        elif c.breached_at or late:
            state = BadgeState.BREACHED
        elif c.warned_at:
            state = BadgeState.WARNING
        else:
            state = BadgeState.OK
        rows.append(
            {
                "clock": c,
                "state": state,
                "state_label": BadgeState(state).label,
                "left": time_left(c.due_at, now) if c.state == ClockState.RUNNING else "",
            }
        )
    on_site = any(c.kind == TargetKind.ON_SITE and c.state != ClockState.STOPPED for c in clocks)
    return {
        "rows": rows,
        "case": case,
        "org": context.get("org"),
        "can_write": context.get("can_write"),
        "on_site": on_site,
        "csrf_token": context.get("csrf_token"),
    }
