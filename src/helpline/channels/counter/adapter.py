"""Counter visits: an operator registers an in-person visit in one quick form.

Through the one intake like every channel (stored raw as the submitted fields, customer
found or created, case opened with channel = counter, acknowledged by e-mail when the
visitor gave an address); "dealt with at the counter" closes the case in the same
transaction, since most counter questions are answered on the spot.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone

from helpline.cases.choices import CaseType, Channel, Status
from helpline.cases.models import Case
from helpline.cases.services import change_status
from helpline.channels.intake import Contact, IntakeItem, store_raw, take_in
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.tenancy.models import Organization


@dataclass(frozen=True)
class CounterVisit:
    description: str
    customer_id: int | None = None
    name: str = ""
    phone: str = ""
    email: str = ""
    topic_id: int | None = None
    subject_id: int | None = None
    case_type: str = CaseType.INFORMATION
    dealt_with: bool = False


@transaction.atomic
def register_visit(*, org: Organization, actor: Actor, visit: CounterVisit) -> Case:
    """Open the case of a counter visit (closed at once when dealt with on the spot)."""
    from django.utils.translation import gettext as _

    if not visit.description.strip():
        raise FieldValidationError(description=_("Describe the visit."))
    if visit.customer_id is None and not visit.name.strip():
        raise FieldValidationError(name=_("Pick a customer or give the visitor's name."))
    now = timezone.now()
    raw = json.dumps({**asdict(visit), "by": actor.label, "at": now.isoformat()}).encode()
    row, _new = store_raw(
        org=org, channel=Channel.COUNTER, source="counter", raw=raw, sender=visit.email, now=now
    )
    first_line = visit.description.strip().splitlines()[0]
    result = take_in(
        org=org,
        actor=actor,
        inbound=row,
        now=now,
        item=IntakeItem(
            channel=Channel.COUNTER,
            contact=Contact(name=visit.name, phone=visit.phone, email=visit.email),
            requester_id=visit.customer_id,
            title=first_line[:120],
            body=visit.description,
            topic_id=visit.topic_id,
            subject_id=visit.subject_id,
            case_type=visit.case_type,
        ),
    )
    case = result.case
    if visit.dealt_with:
        case = change_status(case=case, actor=actor, status=Status.CLOSED, now=now)
    return case
