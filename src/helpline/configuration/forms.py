"""Forms of the catalogue, routing and service-level settings screens. Choices of other rows
are limited to the organisation by ``TenantForm``; the services validate again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from helpline.cases.choices import Level, Status
from helpline.cases.models import Subject, Topic
from helpline.configuration.crud import TenantForm, limit_choices
from helpline.customers.models import Segment
from helpline.routing import queue_configuration as routing_conf
from helpline.routing.models import AgentSkill, EscalationStep, Queue, QueueMember, Skill
from helpline.sla import configuration as sla_conf
from helpline.sla.models import (
    Calendar,
    EscalationAction,
    ExceptionKind,
    PenaltyRule,
    Policy,
    TargetKind,
    TargetUnit,
    Trigger,
    Weekday,
)
from helpline.tenancy.models import Organization

_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TopicForm(TenantForm):
    class Meta:
        model = Topic
        fields = ("code", "name", "description", "position", "is_active")
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class SubjectForm(TenantForm):
    class Meta:
        model = Subject
        fields = ("topic", "code", "name", "default_case_type", "position", "is_active")


class SegmentForm(TenantForm):
    class Meta:
        model = Segment
        fields = ("code", "name", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class QueueForm(TenantForm):
    class Meta:
        model = Queue
        fields = routing_conf.QUEUE_FIELDS
        widgets = {"topics": forms.CheckboxSelectMultiple}


class QueueMemberForm(TenantForm):
    class Meta:
        model = QueueMember
        fields = routing_conf.MEMBER_FIELDS


class EscalationStepForm(TenantForm):
    class Meta:
        model = EscalationStep
        fields = routing_conf.STEP_FIELDS


class SkillForm(TenantForm):
    class Meta:
        model = Skill
        fields = routing_conf.SKILL_FIELDS


class AgentSkillForm(TenantForm):
    class Meta:
        model = AgentSkill
        fields = routing_conf.AGENT_SKILL_FIELDS


class PenaltyRuleForm(TenantForm):
    class Meta:
        model = PenaltyRule
        fields = sla_conf.PENALTY_FIELDS


# --- calendars and policies: a form with nested rows ----------------------------------------


def _rows_formset(
    form_class: type[forms.Form],
    *,
    prefix: str,
    title: Any,
    data: Any,
    initial: list[dict[str, Any]],
    org: Organization,
    help_text: Any = "",
) -> forms.BaseFormSet[Any]:
    factory = forms.formset_factory(form_class, extra=2, can_delete=True)
    formset = factory(data, initial=initial, prefix=prefix)
    formset.title = title  # type: ignore[attr-defined]
    formset.help = help_text  # type: ignore[attr-defined]
    for sub in [*formset.forms, formset.empty_form]:
        limit_choices(sub, org)
    return formset


def _kept(formset: forms.BaseFormSet[Any]) -> list[dict[str, Any]]:
    """The filled-in rows not marked for deletion."""
    return [
        f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("weekday"), choices=Weekday.choices, coerce=int)
    start = forms.TimeField(label=_("opens at"), widget=_TIME)
    end = forms.TimeField(label=_("closes at"), widget=_TIME)


class ExceptionForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ExceptionKind.choices)
    starts_on = forms.DateField(label=_("from date"), widget=_DATE)
    start_time = forms.TimeField(label=_("from time"), required=False, widget=_TIME)
    ends_on = forms.DateField(label=_("to date"), widget=_DATE)
    end_time = forms.TimeField(label=_("to time"), required=False, widget=_TIME)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The end must come after the start."))
        return data


class CalendarForm(TenantForm):
    """A business calendar with its weekly opening slots and its closures/extra openings;
    saved through ``sla.configuration`` (which recomputes the deadlines of running clocks)."""

    class Meta:
        model = Calendar
        fields = (
            "name",
            "time_zone",
            "holiday_country",
            "holiday_subdivision",
            "is_default",
            "channel",
            "queue",
        )

    def __init__(self, *args: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, org=org, **kwargs)
        cal = self.instance
        if cal.pk is None:
            self.initial.setdefault("time_zone", org.time_zone)
        slots = [] if cal.pk is None else list(cal.slots.all())
        exceptions = [] if cal.pk is None else list(cal.exceptions.all())
        self.formsets = [
            _rows_formset(
                SlotForm,
                prefix="slots",
                title=_("Opening hours"),
                help_text=_("A slot that closes at or before it opens crosses midnight."),
                data=self.data or None,
                initial=[{"weekday": s.weekday, "start": s.start, "end": s.end} for s in slots],
                org=org,
            ),
            _rows_formset(
                ExceptionForm,
                prefix="exceptions",
                title=_("Closures and extra openings"),
                help_text=_("Public holidays of the chosen country come on their own."),
                data=self.data or None,
                initial=[
                    {
                        "kind": e.kind,
                        "starts_on": e.starts_on,
                        "start_time": e.start_time,
                        "ends_on": e.ends_on,
                        "end_time": e.end_time,
                        "note": e.note,
                    }
                    for e in exceptions
                ],
                org=org,
            ),
        ]

    def service_values(self) -> sla_conf.CalendarData:
        d = self.cleaned_data
        slots, exceptions = (_kept(fs) for fs in self.formsets)
        return sla_conf.CalendarData(
            name=d["name"],
            time_zone=d["time_zone"],
            holiday_country=d["holiday_country"],
            holiday_subdivision=d["holiday_subdivision"],
            is_default=d["is_default"],
            channel=d["channel"],
            queue_id=d["queue"].pk if d["queue"] else None,
            slots=[sla_conf.SlotData(s["weekday"], s["start"], s["end"]) for s in slots],
            exceptions=[
                sla_conf.ExceptionData(
                    kind=e["kind"],
                    starts_on=e["starts_on"],
                    ends_on=e["ends_on"],
                    start_time=e["start_time"],
                    end_time=e["end_time"],
                    note=e["note"],
                )
                for e in exceptions
            ],
        )


class TargetForm(forms.Form):
    kind = forms.ChoiceField(label=_("target"), choices=TargetKind.choices)
    amount = forms.IntegerField(label=_("amount"), min_value=0)
    unit = forms.ChoiceField(label=_("unit"), choices=TargetUnit.choices)
    business_time = forms.BooleanField(label=_("business time"), required=False, initial=True)
    warning_percent = forms.IntegerField(
        label=_("warning at (%)"), min_value=0, max_value=100, initial=80
    )


class EscalationForm(forms.Form):
    trigger = forms.ChoiceField(label=_("when"), choices=Trigger.choices)
    target_kind = forms.ChoiceField(
        label=_("target"), choices=[("", _("any")), *TargetKind.choices], required=False
    )
    action = forms.ChoiceField(label=_("action"), choices=EscalationAction.choices)
    level = forms.ChoiceField(
        label=_("level"),
        choices=[("", "—"), *Level.choices],
        required=False,
    )
    queue = forms.ModelChoiceField(label=_("queue"), queryset=Queue.objects.all(), required=False)
    on_call = forms.ModelChoiceField(
        label=_("on-call person"),
        queryset=get_user_model()._default_manager.all(),
        required=False,
    )


class PolicyForm(TenantForm):
    """An SLA policy with its targets and escalation rules, saved through
    ``sla.configuration``."""

    pause_statuses = forms.MultipleChoiceField(
        label=_("statuses that pause the clocks"),
        choices=Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Policy
        fields = (
            "name",
            "position",
            "is_active",
            "calendar",
            "channel",
            "case_type",
            "urgency",
            "severity",
            "topic",
            "segment",
            "pause_statuses",
        )

    def __init__(self, *args: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, org=org, **kwargs)
        policy = self.instance
        targets = [] if policy.pk is None else list(policy.targets.all())
        rules = [] if policy.pk is None else list(policy.escalations.all())
        self.formsets = [
            _rows_formset(
                TargetForm,
                prefix="targets",
                title=_("Targets"),
                data=self.data or None,
                initial=[
                    {
                        "kind": t.kind,
                        "amount": t.amount,
                        "unit": t.unit,
                        "business_time": t.business_time,
                        "warning_percent": t.warning_percent,
                    }
                    for t in targets
                ],
                org=org,
            ),
            _rows_formset(
                EscalationForm,
                prefix="escalations",
                title=_("Escalation rules"),
                data=self.data or None,
                initial=[
                    {
                        "trigger": r.trigger,
                        "target_kind": r.target_kind,
                        "action": r.action,
                        "level": r.level,
                        "queue": r.queue_id,
                        "on_call": r.on_call_id,
                    }
                    for r in rules
                ],
                org=org,
            ),
        ]

    def service_values(self) -> sla_conf.PolicyData:
        d = self.cleaned_data
        targets, rules = (_kept(fs) for fs in self.formsets)
        return sla_conf.PolicyData(
            name=d["name"],
            position=d["position"],
            is_active=d["is_active"],
            calendar_id=d["calendar"].pk if d["calendar"] else None,
            channel=d["channel"],
            case_type=d["case_type"],
            urgency=d["urgency"],
            severity=d["severity"],
            topic_id=d["topic"].pk if d["topic"] else None,
            segment_id=d["segment"].pk if d["segment"] else None,
            pause_statuses=list(d["pause_statuses"]),
            targets=[
                sla_conf.TargetData(
                    kind=t["kind"],
                    amount=t["amount"],
                    unit=t["unit"],
                    business_time=t["business_time"],
                    warning_percent=t["warning_percent"],
                )
                for t in targets
            ],
            escalations=[
                sla_conf.EscalationData(
                    trigger=r["trigger"],
                    action=r["action"],
                    target_kind=r["target_kind"],
                    level=r["level"],
                    queue_id=r["queue"].pk if r["queue"] else None,
                    on_call_id=r["on_call"].pk if r["on_call"] else None,
                )
                for r in rules
            ],
        )
