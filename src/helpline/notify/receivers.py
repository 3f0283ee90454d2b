"""Connects the case hooks to the outbox: desk/API cases are acknowledged, operators'
replies are mailed, status changes notify the customer. Runs inside the case service's
transaction."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from helpline.cases.models import Case, Message
from helpline.cases.signals import case_opened, message_added, status_changed
from helpline.notify import progress, services


@receiver(case_opened)
def acknowledge_new_case(sender: Any, case: Case, **kwargs: Any) -> None:
    if case.requester_id is not None and not services.ack_handled_by_caller():
        services.queue_acknowledgement(case=case, now=case.created_at)


@receiver(message_added)
def mail_operator_reply(sender: Any, message: Message, **kwargs: Any) -> None:
    services.queue_reply(message=message, now=message.created_at)


@receiver(status_changed)
def notify_progress(sender: Any, case: Case, old: str, new: str, **kwargs: Any) -> None:
    if kwargs.get("message") is not None:
        return  # a reply opened the case, or the customer answered: the message says it all
    progress.queue_progress(case=case, old=old, new=new, actor=kwargs["actor"], now=kwargs["at"])
