"""Forms of the public portal (parsing only; the rules live in the web-form adapter)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from helpline.cases.models import Subject, Topic


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class WebFormForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    topic = forms.TypedChoiceField(label=_("Topic"), coerce=int, required=False, empty_value=None)
    subject = forms.TypedChoiceField(
        label=_("Subject"), coerce=int, required=False, empty_value=None
    )
    location = forms.CharField(label=_("Where (address or place)"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Describe your request"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    #: Read by the view from ``request.FILES`` (the adapter applies the tenant's limits);
    #: a field so that the form shows those errors next to the input.
    attachments = forms.FileField(
        label=_("Photos or documents (optional)"),
        widget=MultipleFileInput(attrs={"multiple": True}),
        required=False,
    )
    privacy = forms.BooleanField(
        label=_("I have read and accept the privacy notice"), required=False
    )
    #: The honeypot: hidden from people by CSS, filled by bots.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args: Any, topics: list[Topic], subjects: list[Subject], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", "—")] + [(t.pk, t.name) for t in topics]  # type: ignore[attr-defined]
        self.fields["subject"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (s.pk, f"{s.topic.name} › {s.name}") for s in subjects
        ]


class StatusLookupForm(forms.Form):
    protocol = forms.CharField(label=_("Protocol number"), max_length=40)
    email = forms.EmailField(label=_("E-mail you wrote from"))


class CustomerMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
