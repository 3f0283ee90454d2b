"""Queueing outgoing mail: acknowledgements of new cases and operators' replies.

Both are rows of the outbox written inside the caller's transaction (see ``models``); the
sending loop (``outbox``) delivers them. Mail goes out in the customer's language (else the
tenant's), from the mailbox the case came in through (else the tenant's first requests
mailbox, else ``DEFAULT_FROM_EMAIL``), with a Message-ID of ours and In-Reply-To/References
naming the customer's messages, and the protocol number in the subject so that a reply
threads even when the customer's client drops the headers.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template import Context, Engine, Template
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from helpline.audit import services as audit
from helpline.cases.choices import Channel, MessageDirection
from helpline.cases.models import Case, Message
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.notify.models import (
    ACCOUNT_KIND,
    MailTemplate,
    NotificationSettings,
    OutboundEmail,
    OutboundState,
    TemplateKind,
)
from helpline.tenancy.models import Organization

_ENGINE = Engine(autoescape=False)
_STATUS_SALT = "helpline.portal.case-status"
_acknowledging_caller: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "helpline_ack_by_caller", default=False
)


@contextlib.contextmanager
def acknowledgement_by_caller() -> Iterator[None]:
    """Within this block a new case is not acknowledged by the ``case_opened`` hook: the
    intake acknowledges it itself, knowing the Message-ID to answer."""
    token = _acknowledging_caller.set(True)
    try:
        yield
    finally:
        _acknowledging_caller.reset(token)


def ack_handled_by_caller() -> bool:
    return _acknowledging_caller.get()


def status_token(case: Case) -> str:
    """A signed, dated token naming the case and its link version: the link in the
    acknowledgement opens its status page until it is ``HELPLINE_STATUS_LINK_DAYS`` old or
    the case's links are revoked (``cases.services.revoke_status_links``)."""
    return signing.dumps(
        {"o": case.organization_id, "c": case.pk, "v": case.status_link_version},
        salt=_STATUS_SALT,
    )


def case_for_status_token(token: str) -> tuple[int, int, int] | None:
    """(organisation id, case id, link version) of a valid, unexpired token, else None."""
    try:
        data: Any = signing.loads(
            token, salt=_STATUS_SALT, max_age=timedelta(days=settings.HELPLINE_STATUS_LINK_DAYS)
        )
        return int(data["o"]), int(data["c"]), int(data.get("v", 0))
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return None


def status_url(case: Case) -> str:
    base = settings.HELPLINE_PUBLIC_URL.rstrip("/")
    return f"{base}/{case.organization.slug}/status/{status_token(case)}/"


def customer_language(case: Case) -> str:
    """The language mail about ``case`` is written in: the customer's, else the tenant's."""
    return _language(case)


def privacy_url(org_slug: str, language: str) -> str:
    """The portal page with the tenant's current e-mail privacy notice in ``language``."""
    base = settings.HELPLINE_PUBLIC_URL.rstrip("/")
    return f"{base}/{org_slug}/privacy/?channel=email&lang={language}"


def render_source(
    *, subject_src: str, body_src: str, values: Mapping[str, Any], kind: str
) -> tuple[str, str]:
    """Render a subject and a plain-text body: no autoescaping (a text part never carries
    HTML entities), and the acknowledgement always ends with the privacy notice's link
    unless the wording places ``{{ privacy_url }}`` itself."""
    # The context decides escaping, not the engine: without autoescape=False here an
    # "O'Brien & Sons" reached customers as "O&#x27;Brien &amp; Sons".
    context = Context(dict(values), autoescape=False)
    subject = str(_compiled(subject_src).render(context))
    text = str(_compiled(body_src).render(context))
    if kind == TemplateKind.ACKNOWLEDGEMENT and "privacy_url" not in body_src:
        text = (
            text.rstrip("\n")
            + "\n\n"
            + _("Privacy notice: %(url)s") % {"url": values.get("privacy_url", "")}
        )
    return " ".join(subject.split())[:255], text


def _language(case: Case) -> str:
    lang = case.requester.language if case.requester_id and case.requester else ""
    return lang or case.organization.language or settings.LANGUAGE_CODE


def _default_template(kind: str) -> tuple[str, str]:
    if kind == TemplateKind.ACKNOWLEDGEMENT:
        return (
            _("[{{ protocol }}] We have received your request"),
            _(
                "Dear {{ name }},\n\nwe have received your request “{{ title }}” and registered "
                "it with the protocol number {{ protocol }}. Please quote this number whenever "
                "you contact us about it.\n\nYou can follow your request and write to us here:\n"
                "{{ status_url }}\n\n{{ organization }}"
            ),
        )
    if kind == TemplateKind.REPLY:
        return (
            _("Re: [{{ protocol }}] {{ title }}"),
            _("{{ body }}\n\n-- \n{{ organization }} · {{ protocol }}\n{{ status_url }}"),
        )
    return _PROGRESS_WORDING[kind]()


def _progress(subject: str, lead: str) -> Callable[[], tuple[str, str]]:
    """The built-in wording of a progress mail: ``lead`` between greeting and status link
    (both translated when called, in the customer's language)."""

    def wording() -> tuple[str, str]:
        return (
            _(subject),
            _("Dear {{ name }},\n\n")
            + _(lead)
            + _(
                "\n\nYou can follow your request and write to us here:\n{{ status_url }}"
                "\n\n{{ organization }}"
            ),
        )

    return wording


# The msgids are marked for makemessages with gettext_noop and translated in ``_progress``.
_PROGRESS_WORDING: dict[str, Callable[[], tuple[str, str]]] = {
    TemplateKind.TAKEN: _progress(
        gettext_noop("[{{ protocol }}] Your request has been taken in charge"),
        gettext_noop(
            "your request “{{ title }}” (protocol {{ protocol }}) has been taken in charge "
            "by our staff."
        ),
    ),
    TemplateKind.WAITING: _progress(
        gettext_noop("[{{ protocol }}] We need information from you"),
        gettext_noop(
            "to go on with your request “{{ title }}” (protocol {{ protocol }}) we need some "
            "information from you: please read our last message and answer it."
        ),
    ),
    TemplateKind.RESOLVED: _progress(
        gettext_noop("[{{ protocol }}] Your request has been resolved"),
        gettext_noop(
            "your request “{{ title }}” (protocol {{ protocol }}) has been resolved. If "
            "something is still not right, answer this message and we will reopen it."
        ),
    ),
    TemplateKind.CLOSED: _progress(
        gettext_noop("[{{ protocol }}] Your request has been closed"),
        gettext_noop("your request “{{ title }}” (protocol {{ protocol }}) has been closed."),
    ),
}


def mail_templates(*, org_id: int, kind: str) -> dict[str, MailTemplate]:
    """A tenant's templates of one kind by language (the intake reads them once a batch)."""
    return {t.language: t for t in MailTemplate.objects.filter(organization_id=org_id, kind=kind)}


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """Templates compiled once per wording (a compiled template renders any number of
    times, in any thread)."""
    return _ENGINE.from_string(source)


def render_mail(
    *, case: Case, kind: str, body: str = "", templates: Mapping[str, MailTemplate] | None = None
) -> tuple[str, str]:
    """(subject, text) of a mail about ``case`` in the customer's language. ``templates``:
    the tenant's templates of ``kind`` by language, when the caller has read them already."""
    lang = _language(case)
    if templates is None:
        rows = {
            t.language: t
            for t in MailTemplate.objects.filter(
                organization_id=case.organization_id,
                kind=kind,
                language__in=[lang, case.organization.language],
            )
        }
    else:
        rows = dict(templates)
    chosen = rows.get(lang) or rows.get(case.organization.language)
    with translation.override(lang):
        if chosen is not None:
            subject_src, body_src = chosen.subject, chosen.body
        else:
            subject_src, body_src = _default_template(kind)
        name = case.requester.name if case.requester_id and case.requester else _("customer")
        return render_source(
            subject_src=subject_src,
            body_src=body_src,
            kind=kind,
            values={
                "protocol": case.protocol_number,
                "title": case.title,
                "name": name,
                "organization": case.organization.name,
                "status_url": status_url(case),
                "privacy_url": privacy_url(case.organization.slug, lang),
                "body": body,
            },
        )


def _from_address(case: Case) -> str:
    from helpline.channels.models import Inbound, Mailbox, MailboxPurpose

    came_in = (
        Inbound.objects.filter(case=case, mailbox__isnull=False)
        .order_by("-id")
        .values_list("mailbox__address", flat=True)
        .first()
    )
    if came_in:
        return came_in
    box = (
        Mailbox.objects.filter(
            organization_id=case.organization_id,
            purpose=MailboxPurpose.REQUESTS,
            is_active=True,
            kind="email",
        )
        .order_by("id")
        .values_list("address", flat=True)
        .first()
    )
    return box or settings.DEFAULT_FROM_EMAIL


def _recipient(case: Case) -> str:
    if case.requester_id and case.requester and case.requester.email:
        return case.requester.email
    from helpline.channels.models import Inbound

    return (
        Inbound.objects.filter(case=case)
        .exclude(sender="")
        .order_by("-id")
        .values_list("sender", flat=True)
        .first()
        or ""
    )


#: An RFC 5322 msg-id (section 3.6.4) in its dot-atom form, the one mail software writes:
#: ``<id-left@id-right>``. The web form's and chat's internal ids ("web:<sha>") are not.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_MSG_ID = re.compile(rf"<{_ATEXT}(?:\.{_ATEXT})*@(?:{_ATEXT}(?:\.{_ATEXT})*|\[[!-Z^-~]*\])>")


def is_msg_id(value: str) -> bool:
    """Whether ``value`` may stand in In-Reply-To/References (RFC 5322 msg-id)."""
    return bool(_MSG_ID.fullmatch(value))


def _thread_ids(case: Case) -> list[str]:
    from helpline.channels.models import Inbound

    theirs = list(
        Inbound.objects.filter(case=case)
        .exclude(message_id="")
        .values_list("received_at", "message_id")
    )
    ours = list(OutboundEmail.objects.filter(case=case).values_list("created_at", "message_id"))
    return [mid for _at, mid in sorted(theirs + ours) if is_msg_id(mid)][-10:]


def _new_message_id(sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else "helpline.invalid"
    return f"<{uuid.uuid4().hex}.helpline@{domain}>"


def _queue(
    *,
    case: Case,
    kind: str,
    body: str = "",
    message: Message | None = None,
    in_reply_to: str = "",
    now: datetime | None = None,
    from_address: str = "",
    to_address: str = "",
    new_thread: bool = False,
    templates: Mapping[str, MailTemplate] | None = None,
    save: bool = True,
) -> OutboundEmail | None:
    to = to_address or _recipient(case)
    if not to:
        return None
    now = now or timezone.now()
    sender = from_address or _from_address(case)
    subject, text = render_mail(case=case, kind=kind, body=body, templates=templates)
    refs = [] if new_thread else _thread_ids(case)
    if not is_msg_id(in_reply_to):
        in_reply_to = ""
    in_reply_to = in_reply_to or (refs[-1] if refs else "")
    if in_reply_to and in_reply_to not in refs:
        refs.append(in_reply_to)
    row = OutboundEmail(
        organization_id=case.organization_id,
        case=case,
        case_message=message,
        kind=kind,
        from_address=sender,
        to_address=to,
        subject=subject,
        body=text,
        message_id=_new_message_id(sender),
        in_reply_to=in_reply_to,
        references=" ".join(refs),
        state=OutboundState.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
    if save:
        row.save(force_insert=True)
    return row


def queue_acknowledgement(
    *,
    case: Case,
    in_reply_to: str = "",
    now: datetime | None = None,
    from_address: str = "",
    to_address: str = "",
    new_thread: bool = False,
    templates: Mapping[str, MailTemplate] | None = None,
    save: bool = True,
) -> OutboundEmail | None:
    """Queue the acknowledgement of a new case (nothing when there is no address). The
    intake passes what it already knows (addresses; a new case has no earlier thread; the
    tenant's acknowledgement templates, read once a batch) to spare the look-ups. With
    ``save=False`` the row is returned unsaved, for the caller to insert with others of
    its batch in the same transaction."""
    return _queue(
        case=case,
        kind=TemplateKind.ACKNOWLEDGEMENT,
        in_reply_to=in_reply_to,
        now=now,
        from_address=from_address,
        to_address=to_address,
        new_thread=new_thread,
        templates=templates,
        save=save,
    )


#: Channels whose operators' replies are mailed (a chat reply goes to the chat).
_MAILED_CHANNELS = {c.value for c in Channel} - {Channel.CHAT}


def queue_reply(*, message: Message, now: datetime | None = None) -> OutboundEmail | None:
    """Queue an operator's reply to the customer by e-mail."""
    if message.direction != MessageDirection.OUTBOUND or message.channel not in _MAILED_CHANNELS:
        return None
    return _queue(
        case=message.case, kind=TemplateKind.REPLY, body=message.body, message=message, now=now
    )


def queue_notification(
    *, case: Case, kind: str, now: datetime | None = None
) -> OutboundEmail | None:
    """Queue a progress mail of ``kind`` (taken in charge, waiting, resolved, closed) to
    the customer, in the case's thread (nothing when there is no address)."""
    return _queue(case=case, kind=kind, now=now)


#: The tenant's choices of ``NotificationSettings`` (what the settings screen and API edit).
NOTIFICATION_FIELDS = ("on_taken", "on_waiting", "on_resolved", "on_closed", "sms_enabled")


@transaction.atomic
def update_notification_settings(
    *, org: Organization, actor: Actor, **values: bool
) -> NotificationSettings:
    """Set which progress notifications the tenant sends (only the given fields change);
    the audit entry holds before and after."""
    unknown = sorted(set(values) - set(NOTIFICATION_FIELDS))
    if unknown:
        raise FieldValidationError({name: [_("Unknown setting.")] for name in unknown})
    row, created = NotificationSettings.objects.select_for_update().get_or_create(organization=org)
    before = audit.snapshot(row, NOTIFICATION_FIELDS)
    for name, value in values.items():
        setattr(row, name, bool(value))
    row.save()
    if created:
        audit.record_create(org_id=org.pk, actor=actor, instance=row, fields=NOTIFICATION_FIELDS)
    else:
        audit.record_update(org_id=org.pk, actor=actor, instance=row, before=before)
    return row


def queue_account_mail(
    *, org_id: int, to_address: str, subject: str, body: str, now: datetime | None = None
) -> OutboundEmail:
    """Queue a mail about a user's access (an invitation, a password reset link) in the
    outbox, in the caller's transaction: it is sent with the rest, with retries."""
    now = now or timezone.now()
    sender = settings.DEFAULT_FROM_EMAIL
    row = OutboundEmail(
        organization_id=org_id,
        case=None,
        kind=ACCOUNT_KIND,
        from_address=sender,
        to_address=to_address,
        subject=" ".join(subject.split())[:255],
        body=body,
        message_id=_new_message_id(sender),
        state=OutboundState.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
    row.save(force_insert=True)
    return row
