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
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.template import Context, Engine, Template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from helpline.cases.choices import Channel, MessageDirection
from helpline.cases.models import Case, Message
from helpline.notify.models import MailTemplate, OutboundEmail, OutboundState, TemplateKind

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
    return (
        _("Re: [{{ protocol }}] {{ title }}"),
        _("{{ body }}\n\n-- \n{{ organization }} · {{ protocol }}\n{{ status_url }}"),
    )


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
        context = Context(
            {
                "protocol": case.protocol_number,
                "title": case.title,
                "name": name,
                "organization": case.organization.name,
                "status_url": status_url(case),
                "body": body,
            }
        )
        subject = _compiled(subject_src).render(context)
        text = _compiled(body_src).render(context)
    return " ".join(subject.split())[:255], text


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


def _thread_ids(case: Case) -> list[str]:
    from helpline.channels.models import Inbound

    theirs = list(
        Inbound.objects.filter(case=case)
        .exclude(message_id="")
        .values_list("received_at", "message_id")
    )
    ours = list(OutboundEmail.objects.filter(case=case).values_list("created_at", "message_id"))
    return [mid for _at, mid in sorted(theirs + ours)][-10:]


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
