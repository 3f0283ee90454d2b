"""The written channels' panel on the desk's case page: outgoing mail with its delivery
state (failures visible), the PEC legal trail, and the original inbound messages."""

from __future__ import annotations

from typing import Any

from django import template

from helpline.cases.models import Case
from helpline.channels import selectors
from helpline.notify.models import OutboundEmail

register = template.Library()


@register.inclusion_tag("channels/_case_panel.html", takes_context=True)
def case_channel_panel(context: dict[str, Any], case: Case) -> dict[str, Any]:
    return {
        "case": case,
        "org": context.get("org"),
        "can_write": context.get("can_write"),
        "outbound": list(
            OutboundEmail.objects.filter(case=case, organization_id=case.organization_id).order_by(
                "created_at", "id"
            )
        ),
        "receipts": list(selectors.pec_trail(case=case)),
        "inbound": list(selectors.case_inbound(case=case)),
    }
