"""Writes of the channels' settings: mailboxes (IMAP in, SMTP out, connection tests), chat
and the web form. Every change is one transaction and one audit entry; bad input raises
``FieldValidationError`` naming the field, and nothing is written.

Passwords are stored (the pollers and the outbox need them) but never shown back: an empty
password in the input keeps the stored one, and the audit log says only that it changed.
Connection tests talk to the server outside any transaction, then store what it answered.
"""

from __future__ import annotations

import imaplib
import smtplib
import ssl
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from imap_tools import MailBox, MailBoxUnencrypted

from helpline.audit import services as audit
from helpline.cases.models import Topic
from helpline.channels.models import (
    ChatSettings,
    ConnectionState,
    Mailbox,
    MailboxKind,
    MailboxPurpose,
    SmtpSecurity,
    WebFormSettings,
)
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.routing.models import Queue
from helpline.sla.models import Calendar
from helpline.tenancy.models import Organization

#: Seconds a connection test waits for the server.
TEST_TIMEOUT = 15

MAILBOX_FIELDS = (
    "name",
    "address",
    "kind",
    "purpose",
    "topic",
    "queue",
    "closed_case_policy",
    "imap_host",
    "imap_port",
    "imap_ssl",
    "imap_user",
    "imap_folder",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_user",
    "is_active",
)
_SECRETS = ("imap_password", "smtp_password")
_IMAP_LOGIN = ("imap_host", "imap_port", "imap_ssl", "imap_user", "imap_password", "imap_folder")
_SMTP_LOGIN = ("smtp_host", "smtp_port", "smtp_security", "smtp_user", "smtp_password")


@dataclass
class MailboxData:
    """What the settings screen and the API send for a mailbox. An empty password keeps
    the stored one."""

    name: str
    address: str
    kind: str = MailboxKind.EMAIL
    purpose: str = MailboxPurpose.REQUESTS
    topic_id: int | None = None
    queue_id: int | None = None
    closed_case_policy: str = "reopen"
    imap_host: str = ""
    imap_port: int = 993
    imap_ssl: bool = True
    imap_user: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = SmtpSecurity.STARTTLS
    smtp_user: str = ""
    smtp_password: str = ""
    is_active: bool = True


def _field_errors(exc: ValidationError) -> FieldValidationError:
    errors = {
        ("__all__" if k == "__all__" else k): [str(m) for m in v]
        for k, v in exc.message_dict.items()
    }
    return FieldValidationError(errors)


def _own(
    errors: dict[str, list[str]], org: Organization, model: Any, name: str, pk: int | None
) -> None:
    """A reference to another tenant's row (or to none) is a field error, never a link."""
    if pk is not None and not model.objects.filter(organization=org, pk=pk).exists():
        errors.setdefault(name, []).append(_("Choose one of your organisation's entries."))


def _apply_mailbox(mailbox: Mailbox, org: Organization, data: MailboxData) -> None:
    errors: dict[str, list[str]] = {}
    _own(errors, org, Topic, "topic_id", data.topic_id)
    _own(errors, org, Queue, "queue_id", data.queue_id)
    address = (data.address or "").strip().lower()
    if address and Mailbox.objects.filter(address__iexact=address).exclude(pk=mailbox.pk).exists():
        errors.setdefault("address", []).append(_("Another mailbox already has this address."))
    if data.imap_host and not data.imap_user:
        errors.setdefault("imap_user", []).append(_("Give the user to log in with."))
    if data.imap_host and not (data.imap_password or mailbox.imap_password):
        errors.setdefault("imap_password", []).append(_("Give the password to log in with."))
    values = asdict(data)
    for name, value in values.items():
        if name in _SECRETS and not value:
            continue  # keep the stored password
        setattr(mailbox, name, value.strip() if isinstance(value, str) else value)
    mailbox.address = address
    mailbox.organization = org
    try:
        mailbox.full_clean(exclude=["organization", "topic", "queue"])
    except ValidationError as exc:
        for k, v in _field_errors(exc).errors.items():
            errors.setdefault(k, []).extend(v)
    if errors:
        raise FieldValidationError(errors)


def _secret_changes(before: Mailbox | None, after: Mailbox) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name in _SECRETS:
        old = getattr(before, name) if before is not None else ""
        if old != getattr(after, name):
            changes[name] = ["(hidden)" if old else None, "(changed)"]
    return changes


def _reset_states(mailbox: Mailbox, before: Mailbox) -> None:
    """New login details make the earlier test meaningless."""
    if any(getattr(before, n) != getattr(mailbox, n) for n in _IMAP_LOGIN):
        mailbox.imap_state, mailbox.imap_check_answer = ConnectionState.UNTESTED, ""
        mailbox.imap_checked_at = None
    if any(getattr(before, n) != getattr(mailbox, n) for n in _SMTP_LOGIN):
        mailbox.smtp_state, mailbox.smtp_check_answer = ConnectionState.UNTESTED, ""
        mailbox.smtp_checked_at = None


@transaction.atomic
def create_mailbox(*, org: Organization, actor: Actor, data: MailboxData) -> Mailbox:
    """A new mailbox of ``org``; its IMAP account is polled once it has a host."""
    mailbox = Mailbox(organization=org)
    _apply_mailbox(mailbox, org, data)
    mailbox.save()
    values = audit.snapshot(mailbox, MAILBOX_FIELDS)
    changes = {k: [None, v] for k, v in values.items() if v not in (None, "")}
    changes.update(_secret_changes(None, mailbox))
    audit.record(org_id=org.pk, actor=actor, action="create", instance=mailbox, changes=changes)
    return mailbox


@transaction.atomic
def update_mailbox(*, mailbox: Mailbox, actor: Actor, data: MailboxData) -> Mailbox:
    """Change a mailbox (locked while it is changed); new login details make it untested."""
    locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    before = Mailbox.objects.get(pk=mailbox.pk)
    snap = audit.snapshot(locked, MAILBOX_FIELDS)
    _apply_mailbox(locked, locked.organization, data)
    _reset_states(locked, before)
    locked.save()
    changes = audit.diff(snap, audit.snapshot(locked, MAILBOX_FIELDS))
    changes.update(_secret_changes(before, locked))
    if changes:
        audit.record(
            org_id=locked.organization_id,
            actor=actor,
            action="update",
            instance=locked,
            changes=changes,
        )
    return locked


@transaction.atomic
def set_mailbox_active(*, mailbox: Mailbox, actor: Actor, active: bool) -> Mailbox:
    """Disable a mailbox (no polling, no SMTP delivery to it) or enable it again."""
    locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    before = audit.snapshot(locked, ["is_active"])
    locked.is_active = active
    locked.save(update_fields=["is_active"])
    audit.record_update(org_id=locked.organization_id, actor=actor, instance=locked, before=before)
    return locked


def _answer(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:2000]


def check_imap(mailbox: Mailbox) -> tuple[bool, str]:
    """Log in to the mailbox's IMAP server for real and select its folder; (ok, answer)."""
    if not mailbox.imap_host:
        return False, _("No IMAP host is set.")
    cls = MailBox if mailbox.imap_ssl else MailBoxUnencrypted
    try:
        with cls(mailbox.imap_host, mailbox.imap_port, timeout=TEST_TIMEOUT).login(
            mailbox.imap_user, mailbox.imap_password, initial_folder=mailbox.imap_folder
        ) as box:
            status = box.folder.status(mailbox.imap_folder, ["MESSAGES"])
            return True, _("Logged in; %(folder)s holds %(count)s messages.") % {
                "folder": mailbox.imap_folder,
                "count": status.get("MESSAGES", 0),
            }
    except (imaplib.IMAP4.error, OSError, ssl.SSLError, Exception) as exc:
        return False, _answer(exc)


def _smtp_login(client: smtplib.SMTP, user: str, password: str) -> tuple[int, bytes]:
    """Log in with the first of PLAIN and LOGIN the server offers, so that a refusal is
    reported as the server worded it (``login`` would go on trying other mechanisms)."""
    offered = client.esmtp_features.get("auth", "").upper().split()
    client.user, client.password = user, password
    for mechanism, answer in (("PLAIN", client.auth_plain), ("LOGIN", client.auth_login)):
        if mechanism in offered:
            return client.auth(mechanism, answer)
    return client.login(user, password)


def check_smtp(mailbox: Mailbox) -> tuple[bool, str]:
    """Connect to the mailbox's SMTP server, secure it and log in for real; (ok, answer)."""
    if not mailbox.smtp_host:
        return False, _("No SMTP host is set.")
    try:
        client: smtplib.SMTP
        if mailbox.smtp_security == SmtpSecurity.TLS:
            client = smtplib.SMTP_SSL(mailbox.smtp_host, mailbox.smtp_port, timeout=TEST_TIMEOUT)
        else:
            client = smtplib.SMTP(mailbox.smtp_host, mailbox.smtp_port, timeout=TEST_TIMEOUT)
        with client:
            code, banner = client.ehlo()
            if mailbox.smtp_security == SmtpSecurity.STARTTLS:
                client.starttls()
                client.ehlo()
            if mailbox.smtp_user:
                code, banner = _smtp_login(client, mailbox.smtp_user, mailbox.smtp_password)
            return True, f"{code} {banner.decode(errors='replace')}"[:2000]
    except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        return False, _answer(exc)


def _store_check(mailbox: Mailbox, actor: Actor, prefix: str, ok: bool, answer: str) -> Mailbox:
    with transaction.atomic():
        locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        before = audit.snapshot(locked, [f"{prefix}_state"])
        setattr(
            locked, f"{prefix}_state", ConnectionState.WORKING if ok else ConnectionState.FAILING
        )
        setattr(locked, f"{prefix}_checked_at", timezone.now())
        setattr(locked, f"{prefix}_check_answer", answer)
        locked.save(
            update_fields=[f"{prefix}_state", f"{prefix}_checked_at", f"{prefix}_check_answer"]
        )
        audit.record_update(
            org_id=locked.organization_id, actor=actor, instance=locked, before=before
        )
    return locked


def test_imap_connection(*, mailbox: Mailbox, actor: Actor) -> Mailbox:
    """The "Test connection" of IMAP: log in, store working / not working with the answer."""
    ok, answer = check_imap(Mailbox.objects.get(pk=mailbox.pk))  # the stored details
    return _store_check(mailbox, actor, "imap", ok, answer)


def test_smtp_connection(*, mailbox: Mailbox, actor: Actor) -> Mailbox:
    """The "Test connection" of SMTP: log in, store working / not working with the answer."""
    ok, answer = check_smtp(Mailbox.objects.get(pk=mailbox.pk))  # the stored details
    return _store_check(mailbox, actor, "smtp", ok, answer)


# Not pytest tests, whatever their names say.
test_imap_connection.__test__ = False  # type: ignore[attr-defined]
test_smtp_connection.__test__ = False  # type: ignore[attr-defined]


# --- chat ------------------------------------------------------------------------------------

CHAT_FIELDS = ("is_enabled", "queue", "calendar", "closed_on_holidays", "greetings")


@dataclass
class ChatData:
    is_enabled: bool = False
    queue_id: int | None = None
    calendar_id: int | None = None
    closed_on_holidays: bool = True
    greetings: dict[str, str] = field(default_factory=dict)


@transaction.atomic
def save_chat_settings(*, org: Organization, actor: Actor, data: ChatData) -> ChatSettings:
    """Turn the tenant's chat on or off, with its queue, hours and greetings."""
    errors: dict[str, list[str]] = {}
    _own(errors, org, Queue, "queue_id", data.queue_id)
    _own(errors, org, Calendar, "calendar_id", data.calendar_id)
    languages = {code for code, _name in settings.LANGUAGES}
    greetings = {k: v.strip() for k, v in data.greetings.items() if v and v.strip()}
    for lang, text in greetings.items():
        if lang not in languages:
            errors.setdefault("greetings", []).append(
                _("Unknown language: %(code)s.") % {"code": lang}
            )
        elif len(text) > 500:
            errors.setdefault(f"greeting_{lang}", []).append(
                _("At most %(limit)d characters, please.") % {"limit": 500}
            )
    if data.is_enabled and data.queue_id is None:
        errors.setdefault("queue_id", []).append(
            _("Choose the queue chats wait in before turning the chat on.")
        )
    if errors:
        raise FieldValidationError(errors)
    chat, created = ChatSettings.objects.select_for_update().get_or_create(
        organization=org, defaults={"is_enabled": False}
    )
    before = audit.snapshot(chat, CHAT_FIELDS)
    chat.is_enabled = data.is_enabled
    chat.queue_id = data.queue_id
    chat.calendar_id = data.calendar_id
    chat.closed_on_holidays = data.closed_on_holidays
    chat.greetings = greetings
    chat.save()
    if created:
        audit.record_create(org_id=org.pk, actor=actor, instance=chat, fields=CHAT_FIELDS)
    else:
        audit.record_update(org_id=org.pk, actor=actor, instance=chat, before=before)
    return chat


# --- web form --------------------------------------------------------------------------------

WEBFORM_FIELDS = (
    "attachments_allowed",
    "max_attachments",
    "max_attachment_bytes",
    "max_per_ip_per_hour",
    "max_per_email_per_hour",
)


@dataclass
class WebFormData:
    topic_ids: list[int] = field(default_factory=list)
    attachments_allowed: bool = True
    max_attachments: int = 3
    max_attachment_bytes: int = 10 * 1024 * 1024
    max_per_ip_per_hour: int = 10
    max_per_email_per_hour: int = 5


@transaction.atomic
def save_webform_settings(*, org: Organization, actor: Actor, data: WebFormData) -> WebFormSettings:
    """The web form's topics and limits (the portal enforces the limits)."""
    errors: dict[str, list[str]] = {}
    topic_ids = sorted(set(data.topic_ids))
    if len(topic_ids) != Topic.objects.filter(organization=org, pk__in=topic_ids).count():
        errors["topic_ids"] = [_("Choose one of your organisation's entries.")]
    if data.max_attachments > 20:
        errors["max_attachments"] = [_("At most %(limit)d, please.") % {"limit": 20}]
    ceiling = settings.HELPLINE_MAX_ATTACHMENT_BYTES
    if data.max_attachment_bytes < 1 or data.max_attachment_bytes > ceiling:
        errors["max_attachment_bytes"] = [
            _("Between 1 and %(limit)d bytes (the server's limit).") % {"limit": ceiling}
        ]
    for name in ("max_attachments", "max_per_ip_per_hour", "max_per_email_per_hour"):
        if getattr(data, name) < 0:
            errors.setdefault(name, []).append(_("Not below zero, please."))
    if errors:
        raise FieldValidationError(errors)
    row, created = WebFormSettings.objects.select_for_update().get_or_create(organization=org)
    before = audit.snapshot(row, WEBFORM_FIELDS)
    old_topics = sorted(row.topics.values_list("pk", flat=True)) if not created else []
    for name in WEBFORM_FIELDS:
        setattr(row, name, getattr(data, name))
    row.save()
    row.topics.set(topic_ids)
    changes = audit.diff(before if not created else {}, audit.snapshot(row, WEBFORM_FIELDS))
    if old_topics != topic_ids:
        changes["topics"] = [old_topics, topic_ids]
    if changes or created:
        audit.record(
            org_id=org.pk,
            actor=actor,
            action="create" if created else "update",
            instance=row,
            changes=changes,
        )
    return row
