"""GDPR: consents with the privacy notice's version, export of everything about a customer
(JSON and PDF), erasure by pseudonymisation, and per-tenant retention applied by a loop.

Erasure keeps what statistics and the law need and removes what identifies the person:

- kept: the customer row (its id, kind, segment, language, dates: the contact event log and
  the reports still count them), cases with their protocol numbers (public-service records),
  service accounts (contracts and billing are legal records), consents (proof of what was
  agreed), identity checks, the audit log and the contact event log (append-only records);
- removed or blanked: name (becomes ``#<id>``), e-mail, phone, tax id, security question,
  every contact point, identifier and designated person, street/house number/street code of
  addresses (district, municipality and postcode stay for statistics), the search postings;
  assets are unlinked from the customer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.audit import services as audit
from helpline.cases.choices import ACTIVE_STATUSES, MessageDirection
from helpline.cases.models import Case
from helpline.customers import selectors
from helpline.customers.models import (
    Address,
    Asset,
    Consent,
    ContactPoint,
    Customer,
    CustomerIdentifier,
    DesignatedPerson,
    RetentionPolicy,
    SearchPosting,
)
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, IllegalTransition
from helpline.tenancy.models import Organization

log = logging.getLogger(__name__)


# --- consents ------------------------------------------------------------------------------


@transaction.atomic
def record_consent(
    *,
    customer: Customer,
    actor: Actor,
    purpose: str,
    granted: bool,
    notice_version: str,
    channel: str = "",
) -> Consent:
    """Append a consent given or withdrawn; the latest per purpose is the current one."""
    errors: dict[str, list[str]] = {}
    purpose = purpose.strip()
    notice_version = notice_version.strip()
    if not purpose:
        errors["purpose"] = [_("A purpose is required.")]
    elif len(purpose) > 60:
        errors["purpose"] = [_("At most %(n)s characters.") % {"n": 60}]
    if not notice_version:
        errors["notice_version"] = [_("The privacy notice version is required.")]
    elif len(notice_version) > 40:
        errors["notice_version"] = [_("At most %(n)s characters.") % {"n": 40}]
    if customer.erased_at is not None:
        errors["customer"] = [_("The customer has been erased.")]
    if errors:
        raise FieldValidationError(errors)
    consent = Consent.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        purpose=purpose,
        granted=granted,
        notice_version=notice_version,
        channel=channel[:16],
        recorded_by=actor.label[:200],
    )
    audit.record_create(
        org_id=customer.organization_id,
        actor=actor,
        instance=consent,
        fields=("customer", "purpose", "granted", "notice_version", "channel"),
    )
    return consent


# --- export --------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_data(*, org: Organization, customer_id: int) -> dict[str, Any]:
    """Everything the tenant holds about a customer, as plain JSON-able data (Art. 15/20)."""
    c = selectors.customer_360(org=org, customer_id=customer_id)
    cases = selectors.cases_of(org=org, customer=c).prefetch_related("messages")
    return {
        "exported_at": timezone.now().isoformat(),
        "organization": org.name,
        "customer": {
            "id": c.pk,
            "kind": c.kind,
            "name": c.name,
            "email": c.email,
            "phone": c.phone,
            "tax_id": c.tax_id,
            "tax_id_kind": c.tax_id_kind,
            "language": c.language,
            "segment": c.segment.name if c.segment else None,
            "security_question": c.security_question,
            "created_at": _iso(c.created_at),
            "updated_at": _iso(c.updated_at),
            "erased_at": _iso(c.erased_at),
        },
        "identifiers": [{"kind": i.kind, "value": i.value} for i in c.identifiers.all()],
        "contacts": [
            {"kind": p.kind, "value": p.value, "label": p.label} for p in c.contacts.all()
        ],
        "addresses": [
            {
                "street_code": a.street_code,
                "street": a.street,
                "house_number": a.house_number,
                "district": a.district,
                "municipality": a.municipality,
                "postcode": a.postcode,
            }
            for a in c.addresses.all()
        ],
        "accounts": [
            {
                "account_number": a.account_number,
                "municipal_registration": a.municipal_registration,
                "meter_number": a.meter_number,
                "description": a.description,
                "status": a.status,
            }
            for a in c.accounts.all()
        ],
        "assets": [
            {"code": a.code, "kind": a.kind, "location": a.location} for a in c.assets.all()
        ],
        "designated_persons": [
            {
                "name": d.name,
                "role": d.role,
                "phone": d.phone,
                "email": d.email,
                "may_use_reserved_line": d.may_use_reserved_line,
                "may_act_for_account": d.may_act_for_account,
            }
            for d in c.designated_persons.all()
        ],
        "consents": [
            {
                "purpose": k.purpose,
                "granted": k.granted,
                "notice_version": k.notice_version,
                "channel": k.channel,
                "recorded_at": _iso(k.recorded_at),
            }
            for k in c.consents.all()
        ],
        "cases": [
            {
                "protocol_number": case.protocol_number,
                "channel": case.channel,
                "status": case.status,
                "title": case.title,
                "description": case.description,
                "created_at": _iso(case.created_at),
                "messages": [
                    {
                        "direction": m.direction,
                        "at": _iso(m.created_at),
                        "body": m.body,
                    }
                    for m in case.messages.all()
                    if m.direction != MessageDirection.NOTE
                ],
            }
            for case in cases
        ],
    }


def export_pdf(data: dict[str, Any]) -> bytes:
    """The export as a PDF (weasyprint), in the active language."""
    from weasyprint import HTML

    html = render_to_string("customers/export.html", {"data": data})
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


# --- erasure -------------------------------------------------------------------------------


@transaction.atomic
def erase_customer(*, customer: Customer, actor: Actor, reason: str = "") -> Customer:
    """Pseudonymise ``customer`` (see the module docstring for what is kept).

    Refused while the customer has a case that still needs work: erase after it is closed.
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.erased_at is not None:
        raise IllegalTransition(_("The customer has been erased."))
    if Case.objects.filter(requester=customer, status__in=ACTIVE_STATUSES).exists():
        raise IllegalTransition(
            _("The customer has open cases; close them before erasing the customer.")
        )
    now = timezone.now()
    ContactPoint.objects.filter(customer=customer).delete()
    CustomerIdentifier.objects.filter(customer=customer).delete()
    DesignatedPerson.objects.filter(customer=customer).delete()
    SearchPosting.objects.filter(customer=customer).delete()
    Address.objects.filter(customer=customer).update(
        street="", street_code="", house_number="", street_key="", district_key=""
    )
    Asset.objects.filter(customer=customer).update(customer=None)
    customer.name = f"#{customer.pk}"
    customer.name_key = ""
    customer.email = customer.phone = customer.tax_id = customer.tax_id_kind = ""
    customer.security_question = customer.security_answer_hash = ""
    customer.erased_at = now
    customer.save()
    # The entry names no personal value: only that the record was erased, when and why.
    audit.record(
        org_id=customer.organization_id,
        actor=actor,
        action="update",
        instance=customer,
        changes={"erased": [False, True], "reason": [None, reason[:200]]},
        at=now,
    )
    return customer


# --- retention -----------------------------------------------------------------------------

#: The shortest and longest retention periods a tenant may set (the API's bounds too).
RETENTION_MIN_DAYS = 30
RETENTION_MAX_DAYS = 36500


@transaction.atomic
def set_retention_policy(
    *, org: Organization, actor: Actor, erase_inactive_after_days: int, enabled: bool = True
) -> RetentionPolicy:
    """Create or change the tenant's retention rule (at least 30 days)."""
    if erase_inactive_after_days < RETENTION_MIN_DAYS:
        raise FieldValidationError(
            erase_inactive_after_days=_("At least %(n)s days.") % {"n": RETENTION_MIN_DAYS}
        )
    if erase_inactive_after_days > RETENTION_MAX_DAYS:
        raise FieldValidationError(
            erase_inactive_after_days=_("At most %(n)s days.") % {"n": RETENTION_MAX_DAYS}
        )
    policy, created = RetentionPolicy.objects.select_for_update().get_or_create(
        organization=org,
        defaults={"erase_inactive_after_days": erase_inactive_after_days, "enabled": enabled},
    )
    fields = ("erase_inactive_after_days", "enabled")
    if created:
        audit.record_create(org_id=org.pk, actor=actor, instance=policy, fields=fields)
        return policy
    before = audit.snapshot(policy, fields)
    policy.erase_inactive_after_days = erase_inactive_after_days
    policy.enabled = enabled
    policy.save()
    audit.record_update(org_id=org.pk, actor=actor, instance=policy, before=before)
    return policy


def customers_due_for_erasure(*, org: Organization, now: datetime, days: int) -> Any:
    """Customers with no change and no case activity for ``days``, none of it open."""
    return selectors.customers_due_for_erasure(org=org, now=now, days=days)


def apply_retention(*, now: datetime | None = None, batch: int = 500) -> int:
    """Erase what every enabled policy says is due; returns how many were erased.

    Each customer is erased in its own transaction, so one failure stops nothing else.
    """
    now = now or timezone.now()
    actor = Actor.system("retention")
    erased = 0
    for policy in RetentionPolicy.objects.filter(enabled=True).select_related("organization"):
        due = customers_due_for_erasure(
            org=policy.organization, now=now, days=policy.erase_inactive_after_days
        )
        for customer in due[:batch]:
            try:
                erase_customer(customer=customer, actor=actor, reason="retention")
            except IllegalTransition:  # a case opened since the query: keep the customer
                continue
            erased += 1
    return erased


async def retention_loop(stop: asyncio.Event) -> None:
    """Background loop (``settings.HELPLINE_LOOPS``): apply retention every
    ``HELPLINE_RETENTION_INTERVAL`` seconds (default one hour)."""
    interval = float(getattr(settings, "HELPLINE_RETENTION_INTERVAL", 3600))
    while not stop.is_set():
        count = await sync_to_async(apply_retention, thread_sensitive=True)()
        if count:
            log.info("retention erased %d customers", count)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
