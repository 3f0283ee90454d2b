"""Chat through the one intake: the opening line opens a case (channel chat, on the tenant's
chat queue) with its protocol number; every later line is a message on it, so the case holds
the transcript. Lines reach the open pages after commit, over the channel layer."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.cases import services as case_services
from helpline.cases.choices import Channel, MessageDirection, Status
from helpline.cases.models import Message
from helpline.channels.intake import Contact, IntakeItem, store_raw, take_in
from helpline.channels.models import ChatSession, ChatSettings, ChatState
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, IllegalTransition
from helpline.tenancy.models import Organization

#: Longest chat line accepted.
MAX_LINE = 2000


def group(session_id: int) -> str:
    return f"chat.{session_id}"


def settings_for(org: Organization) -> ChatSettings | None:
    return (
        ChatSettings.objects.filter(organization=org)
        .select_related("queue", "calendar")
        .prefetch_related("calendar__slots", "calendar__exceptions")
        .first()
    )


def greeting_for(chat: ChatSettings | None, language: str) -> str:
    """The greeting in ``language`` (else the base language, else English, else none)."""
    if chat is None or not chat.greetings:
        return ""
    lang = (language or "").lower()
    for code in (lang, lang.split("-")[0], "en"):
        if chat.greetings.get(code):
            return str(chat.greetings[code])
    return ""


def is_open(org: Organization, chat: ChatSettings | None, now: datetime | None = None) -> bool:
    """Whether the chat is staffed now: its business calendar when it has one (slots,
    holidays, closures), else the weekday hours in the tenant's zone and public holidays."""
    if chat is None or not chat.is_enabled:
        return False
    if chat.calendar_id is not None and chat.calendar is not None:
        from helpline.sla import engine

        return engine.compiled(chat.calendar).is_open(now or timezone.now())
    local = (now or timezone.now()).astimezone(ZoneInfo(org.time_zone))
    if chat.closed_on_holidays:
        try:
            if local.date() in holidays.country_holidays(org.country):
                return False
        except NotImplementedError:
            pass
    if not chat.hours:
        return True
    hhmm = local.strftime("%H:%M")
    return any(start <= hhmm < end for start, end in chat.hours.get(str(local.isoweekday()), []))


def _line(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise FieldValidationError(text=_("The message is empty."))
    if len(text) > MAX_LINE:
        raise FieldValidationError(
            text=_("At most %(limit)d characters, please.") % {"limit": MAX_LINE}
        )
    return text


def _push(session: ChatSession, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "chat.event", "payload": payload}
    transaction.on_commit(lambda: async_to_sync(layer.group_send)(group(session.pk), message))


def line_payload(message: Message) -> dict[str, Any]:
    return {
        "type": "line",
        "id": message.pk,
        "from": "operator" if message.direction == MessageDirection.OUTBOUND else "visitor",
        "text": message.body,
        "at": message.created_at.isoformat(),
    }


@transaction.atomic
def start_chat(
    *, org: Organization, name: str, email: str, text: str, now: datetime | None = None
) -> ChatSession:
    """Open a chat (and its case) with the visitor's first line."""
    chat = settings_for(org)
    if not is_open(org, chat, now):
        raise IllegalTransition(_("The chat is closed now; please use the web form."))
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Please tell us your name.")]
    try:
        text = _line(text)
    except FieldValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise FieldValidationError(errors)
    now = now or timezone.now()
    raw = json.dumps({"name": name, "email": email, "text": text, "at": now.isoformat()})
    row, _new = store_raw(
        org=org, channel=Channel.CHAT, source="chat", raw=raw.encode(), sender=email, now=now
    )
    assert chat is not None
    result = take_in(
        org=org,
        inbound=row,
        now=now,
        item=IntakeItem(
            channel=Channel.CHAT,
            contact=Contact(name=name, email=email),
            title=_("Chat with %(name)s") % {"name": name.strip()[:100]},
            body=text,
            queue_id=chat.queue_id,
        ),
    )
    return ChatSession.objects.create(
        organization=org,
        case=result.case,
        token=secrets.token_urlsafe(32),
        visitor_name=name.strip()[:200],
        started_at=now,
    )


@transaction.atomic
def visitor_says(*, session: ChatSession, text: str) -> Message:
    """A visitor's line: through the intake onto the chat's case."""
    if session.state == ChatState.ENDED:
        raise IllegalTransition(_("This chat has ended."))
    text = _line(text)
    now = timezone.now()
    raw = json.dumps({"session": session.pk, "text": text, "at": now.isoformat()}).encode()
    row, _new = store_raw(
        org=session.organization, channel=Channel.CHAT, source="chat", raw=raw, now=now
    )
    result = take_in(
        org=session.organization,
        inbound=row,
        now=now,
        item=IntakeItem(
            channel=Channel.CHAT,
            contact=Contact(),
            title=session.case.title,
            body=text,
            case_id=session.case_id,
            is_reply=True,
            acknowledge=False,
        ),
    )
    assert result.message is not None
    _push(session, line_payload(result.message))
    return result.message


@transaction.atomic
def pick_chat(*, session: ChatSession, actor: Actor) -> ChatSession:
    """An operator takes a waiting chat (the first to pick it gets it)."""
    taken = ChatSession.objects.filter(pk=session.pk, state=ChatState.WAITING).update(
        state=ChatState.ACTIVE, operator_id=actor.user_id, answered_at=timezone.now()
    )
    session.refresh_from_db()
    if not taken and session.operator_id != actor.user_id:
        raise IllegalTransition(_("Another operator has taken this chat."))
    case = session.case
    if case.assignee_id != actor.user_id:
        case_services.assign_case(case=case, actor=actor, assignee_id=actor.user_id)
    _push(session, {"type": "joined"})
    return session


@transaction.atomic
def operator_says(*, session: ChatSession, actor: Actor, text: str) -> Message:
    if session.state != ChatState.ACTIVE or session.operator_id != actor.user_id:
        raise IllegalTransition(_("Take the chat before answering."))
    message = case_services.add_message(
        case=session.case,
        actor=actor,
        direction=MessageDirection.OUTBOUND,
        body=_line(text),
        channel=Channel.CHAT,
    )
    _push(session, line_payload(message))
    return message


@transaction.atomic
def end_chat(*, session: ChatSession, actor: Actor) -> ChatSession:
    """End the conversation; the case stays open for follow-up (or is resolved by hand)."""
    ChatSession.objects.filter(pk=session.pk).exclude(state=ChatState.ENDED).update(
        state=ChatState.ENDED, ended_at=timezone.now()
    )
    session.refresh_from_db()
    if session.case.status == Status.NEW and actor.user_id is not None:
        case_services.change_status(case=session.case, actor=actor, status=Status.OPEN)
    _push(session, {"type": "ended"})
    return session
