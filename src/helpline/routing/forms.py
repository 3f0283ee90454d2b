"""Forms of the routing settings screen: a rule (conditions limited to the tenant's own
topics, subjects, segments, queues and skills), the default queue and the "test a case"
preview. They only parse input; the services check it again and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from helpline.cases.choices import CaseType, Channel, Urgency
from helpline.cases.models import Subject, Topic
from helpline.customers.models import CustomerKind, Segment
from helpline.routing import configuration as config
from helpline.routing.models import Queue, Skill
from helpline.tenancy.models import Organization


def _ids(qs: Any) -> list[tuple[int, str]]:
    return [(row.pk, str(row)) for row in qs]


class TenantChoices:
    """The tenant's catalogue as form choices (one query per list)."""

    def __init__(self, org: Organization) -> None:
        self.queues = _ids(Queue.objects.filter(organization=org).order_by("name"))
        self.topics = _ids(Topic.objects.filter(organization=org).order_by("position", "name"))
        self.subjects = _ids(
            Subject.objects.filter(organization=org)
            .select_related("topic")
            .order_by("topic__position", "topic__name", "position", "name")
        )
        self.segments = _ids(Segment.objects.filter(organization=org).order_by("name"))
        self.skills = _ids(Skill.objects.filter(organization=org).order_by("kind", "name"))


def _multi(label: Any, choices: Any, **kwargs: Any) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        **kwargs,
    )


class RuleForm(forms.Form):
    """Create or edit a rule. An empty condition list means "any"."""

    name = forms.CharField(label=_("Name"), max_length=120)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    channels = _multi(_("Channels"), Channel.choices)
    case_types = _multi(_("Case types"), CaseType.choices)
    urgencies = _multi(_("Urgencies"), Urgency.choices)
    topic_ids = _multi(_("Topics"), [], coerce=int)
    subject_ids = _multi(_("Subjects"), [], coerce=int)
    segment_ids = _multi(_("Customer segments"), [], coerce=int)
    customer_kinds = _multi(_("Customer kinds"), CustomerKind.choices)
    languages = _multi(_("Customer languages"), settings.LANGUAGES)
    reserved_line = forms.BooleanField(
        label=_("Reserved line"),
        required=False,
        help_text=_(
            "Only designated persons allowed on the reserved line (of a customer in the "
            "chosen segments) match; other callers fall through to the next rule."
        ),
    )
    queue = forms.TypedChoiceField(label=_("Queue"), coerce=int, choices=[])
    priority = forms.IntegerField(
        label=_("Priority"),
        required=False,
        min_value=config.PRIORITY_RANGE[0],
        max_value=config.PRIORITY_RANGE[1],
        help_text=_(
            "Place in the queue, lower first (emergency 0, high 100, normal 200, low 300). "
            "Empty: from the case's urgency and type."
        ),
    )
    skill_ids = _multi(_("Extra required skills"), [], coerce=int)

    def __init__(self, *args: Any, choices: TenantChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        c = choices
        fields: Any = self.fields
        fields["queue"].choices = [("", "—"), *c.queues]
        fields["topic_ids"].choices = c.topics
        fields["subject_ids"].choices = c.subjects
        fields["segment_ids"].choices = c.segments
        fields["skill_ids"].choices = c.skills

    @classmethod
    def initial_for(cls, data: config.RuleData) -> dict[str, Any]:
        values = dict(vars(data))
        values["queue"] = values.pop("queue_id")
        return values

    def to_data(self) -> config.RuleData:
        d = dict(self.cleaned_data)
        d["queue_id"] = d.pop("queue")
        return config.RuleData(**d)


class DefaultQueueForm(forms.Form):
    default_queue = forms.TypedChoiceField(
        label=_("Default queue"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[],
        help_text=_("Cases no rule matches go here; empty: they stay outside the queues."),
    )

    def __init__(self, *args: Any, choices: TenantChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["default_queue"].choices = [("", "—"), *choices.queues]  # type: ignore[attr-defined]


class PreviewForm(forms.Form):
    """A made-up case to test the rules with."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    case_type = forms.ChoiceField(label=_("Type"), choices=CaseType.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial="normal")
    topic_id = forms.TypedChoiceField(
        label=_("Topic"), coerce=int, required=False, empty_value=None, choices=[]
    )
    subject_id = forms.TypedChoiceField(
        label=_("Subject"), coerce=int, required=False, empty_value=None, choices=[]
    )
    segment_id = forms.TypedChoiceField(
        label=_("Customer segment"), coerce=int, required=False, empty_value=None, choices=[]
    )
    customer_kind = forms.ChoiceField(
        label=_("Customer kind"), required=False, choices=[("", "—"), *CustomerKind.choices]
    )
    language = forms.ChoiceField(
        label=_("Customer language"), required=False, choices=[("", "—"), *settings.LANGUAGES]
    )
    designated = forms.BooleanField(
        label=_("The caller is a designated person allowed on the reserved line"),
        required=False,
    )

    def __init__(self, *args: Any, choices: TenantChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        c = choices
        fields: Any = self.fields
        fields["topic_id"].choices = [("", "—"), *c.topics]
        fields["subject_id"].choices = [("", "—"), *c.subjects]
        fields["segment_id"].choices = [("", "—"), *c.segments]

    def to_input(self) -> config.PreviewInput:
        return config.PreviewInput(**self.cleaned_data)
