"""Forms of the channel settings screens. They only parse input; the services validate the
rest (another tenant's ids, clashes) and their field errors are shown next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from helpline.channels.models import (
    ClosedCasePolicy,
    MailboxKind,
    MailboxPurpose,
    SmtpSecurity,
)
from helpline.notify.models import TemplateKind
from helpline.portal.models import NOTICE_CHANNELS

#: Service field -> form field, where their names differ.
MAILBOX_ERRORS = {
    "topic_id": "topic",
    "queue_id": "queue",
}
CHAT_ERRORS = {"queue_id": "queue", "calendar_id": "calendar"}
WEBFORM_ERRORS = {"topic_ids": "topics"}


def _choices(rows: Any, empty: str | Any = "—") -> list[tuple[str, Any]]:
    return [("", empty), *[(str(r.pk), str(r)) for r in rows]]


def _optional_id(value: str) -> int | None:
    return int(value) if value else None


class MailboxForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    address = forms.EmailField(label=_("Address"))
    kind = forms.ChoiceField(label=_("Kind"), choices=MailboxKind.choices)
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=MailboxPurpose.choices,
        help_text=_(
            "The L2 delegation mailbox: mail to it opens intervention requests for the back "
            "office, not acknowledged."
        ),
    )
    topic = forms.TypedChoiceField(
        label=_("Topic (competence area)"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Cases opened from this mailbox get this topic."),
    )
    queue = forms.TypedChoiceField(label=_("Queue"), required=False, coerce=int, empty_value=None)
    closed_case_policy = forms.ChoiceField(
        label=_("Mail about a closed case"), choices=ClosedCasePolicy.choices
    )
    imap_host = forms.CharField(
        label=_("IMAP host"),
        required=False,
        max_length=200,
        help_text=_("Empty: mail reaches this address through the SMTP receiving service."),
    )
    imap_port = forms.IntegerField(label=_("IMAP port"), min_value=1, max_value=65535, initial=993)
    imap_ssl = forms.BooleanField(label=_("IMAP over TLS"), required=False, initial=True)
    imap_user = forms.CharField(label=_("IMAP user"), required=False, max_length=200)
    imap_password = forms.CharField(
        label=_("IMAP password"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Never shown again. Leave empty to keep the stored one."),
    )
    imap_folder = forms.CharField(label=_("IMAP folder"), max_length=200, initial="INBOX")
    smtp_host = forms.CharField(
        label=_("SMTP host"),
        required=False,
        max_length=200,
        help_text=_("Empty: mail from this address leaves through the server's default SMTP."),
    )
    smtp_port = forms.IntegerField(label=_("SMTP port"), min_value=1, max_value=65535, initial=587)
    smtp_security = forms.ChoiceField(
        label=_("SMTP security"), choices=SmtpSecurity.choices, initial=SmtpSecurity.STARTTLS
    )
    smtp_user = forms.CharField(label=_("SMTP user"), required=False, max_length=200)
    smtp_password = forms.CharField(
        label=_("SMTP password"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Never shown again. Leave empty to keep the stored one."),
    )

    def __init__(self, *args: Any, topics: Any, queues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = _choices(topics)  # type: ignore[attr-defined]
        self.fields["queue"].choices = _choices(queues)  # type: ignore[attr-defined]


class ChatForm(forms.Form):
    is_enabled = forms.BooleanField(label=_("Chat is on"), required=False)
    queue = forms.TypedChoiceField(
        label=_("Queue chats wait in"), required=False, coerce=int, empty_value=None
    )
    calendar = forms.TypedChoiceField(
        label=_("Opening hours (business calendar)"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Empty: open whenever the chat is on, except on public holidays."),
    )
    closed_on_holidays = forms.BooleanField(
        label=_("Closed on public holidays (without a calendar)"), required=False
    )

    def __init__(self, *args: Any, queues: Any, calendars: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].choices = _choices(queues)  # type: ignore[attr-defined]
        self.fields["calendar"].choices = _choices(calendars)  # type: ignore[attr-defined]
        for code, name in settings.LANGUAGES:
            self.fields[f"greeting_{code}"] = forms.CharField(
                label=_("Greeting (%(language)s)") % {"language": name},
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def greetings(self) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(f"greeting_{code}", "") for code, _n in settings.LANGUAGES
        }


class WebFormSettingsForm(forms.Form):
    topics = forms.TypedMultipleChoiceField(
        label=_("Topics offered"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every active topic."),
    )
    attachments_allowed = forms.BooleanField(label=_("Attachments allowed"), required=False)
    max_attachments = forms.IntegerField(label=_("Files per submission"), min_value=0)
    max_attachment_bytes = forms.IntegerField(label=_("Largest file (bytes)"), min_value=1)
    max_per_ip_per_hour = forms.IntegerField(
        label=_("Submissions per IP address and hour"),
        min_value=0,
        help_text=_("0: no limit."),
    )
    max_per_email_per_hour = forms.IntegerField(
        label=_("Submissions per e-mail address and hour"),
        min_value=0,
        help_text=_("0: no limit."),
    )

    def __init__(self, *args: Any, topics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = [(t.pk, str(t)) for t in topics]  # type: ignore[attr-defined]


class NoticeForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Every channel")), *NOTICE_CHANNELS]
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Every language")), *settings.LANGUAGES],
    )
    version = forms.CharField(label=_("Version"), max_length=20)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 14}))


class MailTemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Plain text. Placeholders: {{ protocol }}, {{ title }}, {{ name }}, "
            "{{ status_url }}, {{ privacy_url }}, {{ body }}, {{ organization }}."
        ),
    )


TEMPLATE_KINDS = TemplateKind.choices
