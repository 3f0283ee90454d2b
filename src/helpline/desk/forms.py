"""Forms of the agent desk.

They parse and present input only; every rule about cases and customers lives in the
services, whose ``FieldValidationError`` is mapped back onto these fields
(``add_service_errors``) so the message appears next to the field it is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from helpline.cases.choices import ACTIVE_STATUSES, CaseType, Channel, Severity, Status, Urgency
from helpline.cases.forms import uploaded_files as uploaded_files
from helpline.cases.models import Topic
from helpline.cases.selectors import SORTS, CaseFilters
from helpline.lib.forms import add_service_errors as add_service_errors
from helpline.tenancy.models import Membership

#: Labels for the sort orders the case selector offers (keys of ``cases.selectors.SORTS``).
SORT_LABELS = {
    "newest": _("Newest first"),
    "oldest": _("Oldest first"),
    "updated": _("Recently updated"),
    "urgency": _("Most urgent first"),
    "protocol": _("Protocol number"),
    "due": _("SLA due first"),
}

ACTIVE = "active"
MINE = "mine"
UNASSIGNED = "unassigned"


class CaseFilterForm(forms.Form):
    """The filters above the case list. Every field is optional; an invalid value is
    reported next to its field and otherwise ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": _("Protocol number, title or requester"), "type": "search"}
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    case_type = forms.ChoiceField(label=_("Type"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False)

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        topics: Iterable[Topic],
        operators: Iterable[Membership],
    ) -> None:
        super().__init__(data)
        f = self._choice_fields()
        f["status"].choices = [("", _("Any status")), (ACTIVE, _("Active")), *Status.choices]
        f["topic"].choices = [("", _("Any topic")), *[(str(t.pk), t.name) for t in topics]]
        f["urgency"].choices = [("", _("Any urgency")), *Urgency.choices]
        f["assignee"].choices = [
            ("", _("Anyone")),
            (MINE, _("Assigned to me")),
            (UNASSIGNED, _("Unassigned")),
            *[(str(m.user_id), _display_user(m.user)) for m in operators],
        ]
        f["channel"].choices = [("", _("Any channel")), *Channel.choices]
        f["case_type"].choices = [("", _("Any type")), *CaseType.choices]
        f["sort"].choices = [(key, SORT_LABELS.get(key, key)) for key in SORTS]

    def _choice_fields(self) -> dict[str, forms.ChoiceField]:
        return {n: f for n, f in self.fields.items() if isinstance(f, forms.ChoiceField)}

    def value(self, name: str) -> str:
        """The cleaned value of one field, or "" when it is missing or invalid."""
        if not self.is_bound:
            return ""
        self.is_valid()
        return str(self.cleaned_data.get(name) or "")

    def to_filters(self, *, user_id: int | None) -> CaseFilters:
        filters = CaseFilters(text=self.value("q"))
        status = self.value("status")
        if status == ACTIVE:
            filters.status = sorted(ACTIVE_STATUSES)
        elif status:
            filters.status = [status]
        if topic := self.value("topic"):
            filters.topic_id = int(topic)
        if urgency := self.value("urgency"):
            filters.urgency = [urgency]
        assignee = self.value("assignee")
        if assignee == MINE:
            filters.assignee_id = user_id
        elif assignee == UNASSIGNED:
            filters.unassigned = True
        elif assignee:
            filters.assignee_id = int(assignee)
        if channel := self.value("channel"):
            filters.channel = [channel]
        if case_type := self.value("case_type"):
            filters.case_type = [case_type]
        return filters

    @property
    def sort_key(self) -> str:
        return self.value("sort") or "newest"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


#: The channels an operator records by hand: a visit at the counter or a phone call.
MANUAL_CHANNELS = [
    (Channel.COUNTER.value, Channel.COUNTER.label),
    (Channel.PHONE.value, Channel.PHONE.label),
]


class NewCaseForm(forms.Form):
    """A counter visit or a phone note: the case, its requester (found or created inline)
    and optional attachments."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=MANUAL_CHANNELS,
        widget=forms.RadioSelect,
        initial=Channel.COUNTER.value,
    )
    case_type = forms.ChoiceField(
        label=_("Type"), choices=CaseType.choices, initial=CaseType.INFORMATION.value
    )
    topic_subject = forms.ChoiceField(label=_("Topic / subject"), required=False)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL.value
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MINOR.value
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    related_protocol = forms.CharField(
        label=_("Chases case"),
        required=False,
        max_length=40,
        help_text=_("For a reminder: the protocol number of the case it chases."),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    requester_id = forms.IntegerField(
        label=_("Requester"), required=False, widget=forms.HiddenInput
    )
    new_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    new_phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    new_email = forms.CharField(label=_("E-mail"), required=False, max_length=254)
    new_tax_id = forms.CharField(label=_("Tax identifier"), required=False, max_length=40)

    #: Where a service's field errors are shown on this form.
    SERVICE_FIELDS = {
        "topic": "topic_subject",
        "subject": "topic_subject",
        "requester": "requester_id",
        "related_case": "related_protocol",
        "name": "new_name",
        "phone": "new_phone",
        "email": "new_email",
        "tax_id": "new_tax_id",
        "segment": "new_name",
    }

    def __init__(self, *args: Any, topics: Iterable[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("(none)"))]
        for topic in topics:
            options = [(f"t:{topic.pk}", _("%(topic)s (any subject)") % {"topic": topic.name})]
            options += [(f"s:{s.pk}", s.name) for s in topic.subjects.all() if s.is_active]
            choices.append((topic.name, options))
        field = self.fields["topic_subject"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def topic_and_subject(self) -> tuple[int | None, int | None]:
        value = self.cleaned_data.get("topic_subject") or ""
        kind, _sep, pk = value.partition(":")
        if kind == "t":
            return int(pk), None
        if kind == "s":
            return None, int(pk)
        return None, None

    def new_requester(self) -> dict[str, str] | None:
        """The inline requester to create, or None when none was typed."""
        values = {
            "name": self.cleaned_data.get("new_name", ""),
            "phone": self.cleaned_data.get("new_phone", ""),
            "email": self.cleaned_data.get("new_email", ""),
            "tax_id": self.cleaned_data.get("new_tax_id", ""),
        }
        return values if any(v.strip() for v in values.values()) else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed_new = any(
            (data.get(f) or "").strip()
            for f in ("new_name", "new_phone", "new_email", "new_tax_id")
        )
        if data.get("requester_id") and typed_new:
            self.add_error(
                "new_name",
                _("Choose an existing requester or create a new one, not both."),
            )
        return data


def _display_user(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())
