"""The channel settings through the API: ``/api/v1/settings/mailboxes``, ``/chat``,
``/webform``, ``/privacy-notices``, ``/mail-templates``.

The same services as the settings screens, the same permission matrix: mailboxes, chat,
web form and privacy notices need ``MANAGE_CHANNELS``, mail templates ``MANAGE_TEMPLATES``
(403 otherwise, before anything is looked up). Objects come from the owning apps'
selectors scoped by the token's organisation: another tenant's id is a 404. Passwords are
write-only: responses say whether one is stored, never what it is.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool

from helpline.api.auth import actor, membership, org
from helpline.api.schemas import READ_ERRORS, WRITE_ERRORS, Id, UtcDatetime
from helpline.channels import configuration as channel_config
from helpline.channels import selectors as channel_selectors
from helpline.channels.models import Mailbox
from helpline.lib.errors import NotFound
from helpline.notify import configuration as template_config
from helpline.portal import privacy
from helpline.portal import selectors as portal_selectors
from helpline.portal.models import PrivacyNotice
from helpline.tenancy.permissions import Action, require

router = Router(tags=["settings: channels"])

ERRORS = {**WRITE_ERRORS, 409: READ_ERRORS[404]}


def _channels(request: HttpRequest) -> None:
    require(membership(request), Action.MANAGE_CHANNELS)


def _templates(request: HttpRequest) -> None:
    require(membership(request), Action.MANAGE_TEMPLATES)


# --- mailboxes -------------------------------------------------------------------------------


class MailboxIn(Schema):
    name: str = Field(max_length=120)
    address: str = Field(max_length=254)
    kind: str = "email"
    purpose: str = "requests"
    topic_id: Id | None = None
    queue_id: Id | None = None
    closed_case_policy: str = "reopen"
    imap_host: str = ""
    imap_port: int = Field(993, ge=1, le=65535)
    imap_ssl: StrictBool = True
    imap_user: str = ""
    imap_password: str = Field("", description="Write-only; empty keeps the stored one.")
    imap_folder: str = "INBOX"
    smtp_host: str = ""
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: str = "starttls"
    smtp_user: str = ""
    smtp_password: str = Field("", description="Write-only; empty keeps the stored one.")
    is_active: StrictBool = True


class MailboxOut(Schema):
    id: int
    name: str
    address: str
    kind: str
    purpose: str
    topic_id: int | None
    queue_id: int | None
    closed_case_policy: str
    imap_host: str
    imap_port: int
    imap_ssl: bool
    imap_user: str
    imap_password_set: bool
    imap_folder: str
    imap_state: str
    imap_checked_at: UtcDatetime | None
    imap_check_answer: str
    last_polled_at: UtcDatetime | None
    last_error: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user: str
    smtp_password_set: bool
    smtp_state: str
    smtp_checked_at: UtcDatetime | None
    smtp_check_answer: str
    is_active: bool

    @staticmethod
    def resolve_imap_password_set(obj: Mailbox) -> bool:
        return bool(obj.imap_password)

    @staticmethod
    def resolve_smtp_password_set(obj: Mailbox) -> bool:
        return bool(obj.smtp_password)


class MailboxListOut(Schema):
    items: list[MailboxOut]


@router.get("/settings/mailboxes", response={200: MailboxListOut, **WRITE_ERRORS})
def list_mailboxes(request: HttpRequest) -> Any:
    _channels(request)
    return {"items": list(channel_selectors.mailbox_list(org=org(request)))}


@router.post("/settings/mailboxes", response={201: MailboxOut, **WRITE_ERRORS})
def create_mailbox(request: HttpRequest, payload: MailboxIn) -> Any:
    _channels(request)
    box = channel_config.create_mailbox(
        org=org(request),
        actor=actor(request),
        data=channel_config.MailboxData(**payload.model_dump()),
    )
    return Status(201, box)


@router.get("/settings/mailboxes/{mailbox_id}", response={200: MailboxOut, **WRITE_ERRORS})
def get_mailbox(request: HttpRequest, mailbox_id: Id) -> Any:
    _channels(request)
    return channel_selectors.get_mailbox(org=org(request), mailbox_id=mailbox_id)


@router.put("/settings/mailboxes/{mailbox_id}", response={200: MailboxOut, **WRITE_ERRORS})
def update_mailbox(request: HttpRequest, mailbox_id: Id, payload: MailboxIn) -> Any:
    _channels(request)
    box = channel_selectors.get_mailbox(org=org(request), mailbox_id=mailbox_id)
    return channel_config.update_mailbox(
        mailbox=box, actor=actor(request), data=channel_config.MailboxData(**payload.model_dump())
    )


@router.post(
    "/settings/mailboxes/{mailbox_id}/test/{protocol}", response={200: MailboxOut, **WRITE_ERRORS}
)
def test_mailbox(request: HttpRequest, mailbox_id: Id, protocol: str) -> Any:
    """Log in to the IMAP (``imap``) or SMTP (``smtp``) server for real; the outcome and
    the server's answer are stored on the mailbox and returned."""
    _channels(request)
    box = channel_selectors.get_mailbox(org=org(request), mailbox_id=mailbox_id)
    if protocol == "imap":
        return channel_config.test_imap_connection(mailbox=box, actor=actor(request))
    if protocol == "smtp":
        return channel_config.test_smtp_connection(mailbox=box, actor=actor(request))
    raise NotFound("imap or smtp")


# --- chat ------------------------------------------------------------------------------------


class ChatIn(Schema):
    is_enabled: StrictBool = False
    queue_id: Id | None = None
    calendar_id: Id | None = None
    closed_on_holidays: StrictBool = True
    greetings: dict[str, str] = Field(default_factory=dict, description="language -> text")


class ChatOut(ChatIn):
    pass


@router.get("/settings/chat", response={200: ChatOut, **WRITE_ERRORS})
def get_chat(request: HttpRequest) -> Any:
    _channels(request)
    chat = channel_selectors.chat_settings(org=org(request))
    return chat if chat is not None else ChatOut()


@router.put("/settings/chat", response={200: ChatOut, **WRITE_ERRORS})
def put_chat(request: HttpRequest, payload: ChatIn) -> Any:
    _channels(request)
    return channel_config.save_chat_settings(
        org=org(request), actor=actor(request), data=channel_config.ChatData(**payload.model_dump())
    )


# --- web form --------------------------------------------------------------------------------


class WebFormIn(Schema):
    topic_ids: list[Id] = Field(default_factory=list, description="empty: every active topic")
    attachments_allowed: StrictBool = True
    max_attachments: int = Field(3, ge=0)
    max_attachment_bytes: int = Field(10 * 1024 * 1024, ge=1)
    max_per_ip_per_hour: int = Field(10, ge=0, description="0: no limit")
    max_per_email_per_hour: int = Field(5, ge=0, description="0: no limit")


class WebFormOut(WebFormIn):
    pass


def _webform_out(request: HttpRequest) -> WebFormOut:
    row = channel_selectors.webform_settings(org=org(request))
    return WebFormOut(
        topic_ids=channel_selectors.webform_topic_ids(org=org(request)),
        **{name: getattr(row, name) for name in channel_config.WEBFORM_FIELDS},
    )


@router.get("/settings/webform", response={200: WebFormOut, **WRITE_ERRORS})
def get_webform(request: HttpRequest) -> Any:
    _channels(request)
    return _webform_out(request)


@router.put("/settings/webform", response={200: WebFormOut, **WRITE_ERRORS})
def put_webform(request: HttpRequest, payload: WebFormIn) -> Any:
    _channels(request)
    channel_config.save_webform_settings(
        org=org(request),
        actor=actor(request),
        data=channel_config.WebFormData(**payload.model_dump()),
    )
    return _webform_out(request)


# --- privacy notices -------------------------------------------------------------------------


class NoticeIn(Schema):
    version: str = Field(max_length=20)
    text: str
    channel: str = Field("", description="web, chat, email; empty: every channel")
    language: str = Field("", description="en, pt-br, it, cs; empty: every language")


class NoticeOut(NoticeIn):
    id: int
    published_at: UtcDatetime | None


class NoticeListOut(Schema):
    items: list[NoticeOut]


def _notice(request: HttpRequest, notice_id: int) -> PrivacyNotice:
    return portal_selectors.get_notice(org=org(request), notice_id=notice_id)


@router.get("/settings/privacy-notices", response={200: NoticeListOut, **WRITE_ERRORS})
def list_notices(request: HttpRequest) -> Any:
    _channels(request)
    return {"items": list(portal_selectors.notices_for(org=org(request)))}


@router.post("/settings/privacy-notices", response={201: NoticeOut, **WRITE_ERRORS})
def create_notice(request: HttpRequest, payload: NoticeIn) -> Any:
    """A new draft version."""
    _channels(request)
    notice = privacy.create_notice(
        org=org(request), actor=actor(request), data=privacy.NoticeData(**payload.model_dump())
    )
    return Status(201, notice)


@router.get("/settings/privacy-notices/{notice_id}", response={200: NoticeOut, **WRITE_ERRORS})
def get_notice(request: HttpRequest, notice_id: Id) -> Any:
    _channels(request)
    return _notice(request, notice_id)


@router.put("/settings/privacy-notices/{notice_id}", response={200: NoticeOut, **ERRORS})
def update_notice(request: HttpRequest, notice_id: Id, payload: NoticeIn) -> Any:
    """Change a draft (a published version: 409)."""
    _channels(request)
    return privacy.update_notice(
        notice=_notice(request, notice_id),
        actor=actor(request),
        data=privacy.NoticeData(**payload.model_dump()),
    )


@router.post("/settings/privacy-notices/{notice_id}/publish", response={200: NoticeOut, **ERRORS})
def publish_notice(request: HttpRequest, notice_id: Id) -> Any:
    _channels(request)
    return privacy.publish_notice(notice=_notice(request, notice_id), actor=actor(request))


@router.delete("/settings/privacy-notices/{notice_id}", response={204: None, **ERRORS})
def delete_notice(request: HttpRequest, notice_id: Id) -> Any:
    """Delete a draft (a published version: 409)."""
    _channels(request)
    privacy.delete_notice(notice=_notice(request, notice_id), actor=actor(request))
    return Status(204, None)


# --- mail templates --------------------------------------------------------------------------


class TemplateIn(Schema):
    subject: str = Field(max_length=200)
    body: str


class TemplateOut(TemplateIn):
    kind: str
    language: str
    custom: bool


class TemplateListOut(Schema):
    items: list[TemplateOut]


class TemplatePreviewOut(Schema):
    subject: str
    body: str


def _template_out(request: HttpRequest, kind: str, language: str) -> TemplateOut:
    row = template_config.get_template(org=org(request), kind=kind, language=language)
    if row is None:
        subject, body = template_config.default_wording(kind=kind, language=language)
        return TemplateOut(kind=kind, language=language, subject=subject, body=body, custom=False)
    return TemplateOut(
        kind=kind, language=language, subject=row.subject, body=row.body, custom=True
    )


@router.get("/settings/mail-templates", response={200: TemplateListOut, **WRITE_ERRORS})
def list_templates(request: HttpRequest) -> Any:
    """Every kind in every language: the tenant's wording (``custom``) or the built-in one."""
    _templates(request)
    from helpline.notify.models import TemplateKind

    return {
        "items": [
            _template_out(request, kind, code)
            for kind in TemplateKind.values
            for code, _name in settings.LANGUAGES
        ]
    }


@router.get(
    "/settings/mail-templates/{kind}/{language}", response={200: TemplateOut, **WRITE_ERRORS}
)
def get_template(request: HttpRequest, kind: str, language: str) -> Any:
    _templates(request)
    return _template_out(request, kind, language)


@router.put(
    "/settings/mail-templates/{kind}/{language}", response={200: TemplateOut, **WRITE_ERRORS}
)
def put_template(request: HttpRequest, kind: str, language: str, payload: TemplateIn) -> Any:
    _templates(request)
    template_config.get_template(org=org(request), kind=kind, language=language)  # 404 check
    template_config.save_template(
        org=org(request),
        actor=actor(request),
        data=template_config.TemplateData(kind=kind, language=language, **payload.model_dump()),
    )
    return _template_out(request, kind, language)


@router.delete("/settings/mail-templates/{kind}/{language}", response={204: None, **WRITE_ERRORS})
def delete_template(request: HttpRequest, kind: str, language: str) -> Any:
    """Back to the built-in wording."""
    _templates(request)
    row = template_config.get_template(org=org(request), kind=kind, language=language)
    if row is not None:
        template_config.delete_template(template=row, actor=actor(request))
    return Status(204, None)


@router.post(
    "/settings/mail-templates/{kind}/{language}/preview",
    response={200: TemplatePreviewOut, **WRITE_ERRORS},
)
def preview_template(request: HttpRequest, kind: str, language: str, payload: TemplateIn) -> Any:
    """Render a wording with a sample case (plain text, nothing escaped); nothing is saved."""
    _templates(request)
    template_config.get_template(org=org(request), kind=kind, language=language)  # 404 check
    subject, body = template_config.preview(
        org=org(request),
        data=template_config.TemplateData(kind=kind, language=language, **payload.model_dump()),
    )
    return {"subject": subject, "body": body}
