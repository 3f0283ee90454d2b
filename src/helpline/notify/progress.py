"""Progress notifications (MISSION C7): the customer is told when their case is taken in
charge, waits on them, is resolved or closed.

Called from the case's status change inside its transaction (``receivers``), so the
outbox row commits or rolls back with the change and the sending loop delivers it with
retries. What goes out follows three rules, in this order:

1. the customer's choice (``Customer.notify_by``): "none" is an opt-out, "sms"/"email"
   pick the channel;
2. the tenant's settings (``NotificationSettings``): which changes are notified and
   whether SMS may be used at all;
3. what can be reached: e-mail when there is an address, else SMS when there is a phone.

A change the customer made themselves (closing from the status page, say) is not notified
back to them.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext as _

from helpline.cases.choices import Status
from helpline.cases.models import Case
from helpline.lib.actors import Actor, ActorKind
from helpline.notify import services
from helpline.notify.models import (
    PROGRESS_KINDS,
    NotificationSettings,
    OutboundEmail,
    OutboundSms,
    OutboundState,
    TemplateKind,
)

#: Status a case leaves -> whether entering "open" from it means "taken in charge".
_TAKEN_FROM = frozenset({Status.NEW})


def settings_for(org_id: int) -> NotificationSettings:
    """The tenant's settings, or the defaults (unsaved) when it has none."""
    found = NotificationSettings.objects.filter(organization_id=org_id).first()
    return found or NotificationSettings(organization_id=org_id)


def progress_kind(*, old: str, new: str) -> str | None:
    """The kind of progress mail a status change calls for, if any."""
    kind = PROGRESS_KINDS.get(new)
    if kind == TemplateKind.TAKEN and old not in _TAKEN_FROM:
        return None  # back to work after waiting: nothing new for the customer
    return kind


def queue_progress(
    *, case: Case, old: str, new: str, actor: Actor, now: datetime
) -> OutboundEmail | OutboundSms | None:
    """Queue the notification of a status change, when the rules above call for one."""
    kind = progress_kind(old=old, new=new)
    if kind is None or actor.kind == ActorKind.CUSTOMER or case.requester_id is None:
        return None
    customer = case.requester
    if customer is None or customer.erased_at is not None or customer.notify_by == "none":
        return None
    config = settings_for(case.organization_id)
    if not config.sends(kind):
        return None
    wants_sms = customer.notify_by == "sms"
    if not wants_sms:
        mail = services.queue_notification(case=case, kind=kind, now=now)
        if mail is not None or customer.notify_by == "email":
            return mail
    if config.sms_enabled and customer.phone:
        return _queue_sms(case=case, kind=kind, to=customer.phone, now=now)
    if wants_sms:  # SMS chosen but not possible here: fall back to e-mail
        return services.queue_notification(case=case, kind=kind, now=now)
    return None


def sms_text(*, case: Case, kind: str) -> str:
    """The short text of a progress SMS, in the customer's language."""
    with translation.override(services.customer_language(case)):
        return _("%(organization)s: request %(protocol)s: %(what)s. %(url)s") % {
            "organization": case.organization.name,
            "protocol": case.protocol_number,
            "what": TemplateKind(kind).label,
            "url": services.status_url(case),
        }


def _queue_sms(*, case: Case, kind: str, to: str, now: datetime) -> OutboundSms:
    return OutboundSms.objects.create(
        organization_id=case.organization_id,
        case=case,
        kind=kind,
        to_number=to,
        body=sms_text(case=case, kind=kind),
        state=OutboundState.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
