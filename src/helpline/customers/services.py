"""All writes to customers: validated, normalised, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from helpline.audit import services as audit
from helpline.customers.models import CUSTOMER_AUDITED_FIELDS, Customer, Segment
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.lib.identifiers import normalise_phone, normalise_tax_id
from helpline.tenancy.models import Organization

_UNSET: Any = object()


def _clean(org: Organization, values: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise the given fields; collect every field's error before raising."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if "name" in values:
        name = (values["name"] or "").strip()
        if not name:
            errors.setdefault("name", []).append(_("A name is required."))
        out["name"] = name[:200]
    if "email" in values:
        email = (values["email"] or "").strip().lower()
        if email:
            try:
                validate_email(email)
            except DjangoValidationError:
                errors.setdefault("email", []).append(_("Not a valid e-mail address."))
        out["email"] = email
    if "phone" in values:
        phone = (values["phone"] or "").strip()
        if phone:
            try:
                phone = normalise_phone(phone, org.country)
            except ValueError as exc:
                errors.setdefault("phone", []).append(str(exc))
        out["phone"] = phone
    if "tax_id" in values:
        raw = (values["tax_id"] or "").strip()
        kind, compact = "", ""
        if raw:
            try:
                kind, compact = normalise_tax_id(raw, org.country)
            except ValueError as exc:
                errors.setdefault("tax_id", []).append(str(exc))
        out["tax_id"], out["tax_id_kind"] = compact, kind
    if "segment_id" in values:
        seg = values["segment_id"]
        if seg is not None and not Segment.objects.filter(organization=org, pk=seg).exists():
            errors.setdefault("segment", []).append(_("Unknown segment: %(id)s") % {"id": seg})
        out["segment_id"] = seg
    if "language" in values:
        out["language"] = values["language"] or ""
    if errors:
        raise FieldValidationError(errors)
    return out


def _duplicate_tax_id() -> FieldValidationError:
    return FieldValidationError(tax_id=_("Another customer already has this tax identifier."))


def validate_customer(
    *, org: Organization, name: str, email: str = "", phone: str = "", tax_id: str = ""
) -> None:
    """Check a would-be customer without writing; raise naming every bad field."""
    values = _clean(org, {"name": name, "email": email, "phone": phone, "tax_id": tax_id})
    if (
        values["tax_id"]
        and Customer.objects.filter(organization=org, tax_id=values["tax_id"]).exists()
    ):
        raise _duplicate_tax_id()


@transaction.atomic
def create_customer(
    *,
    org: Organization,
    actor: Actor,
    name: str,
    email: str = "",
    phone: str = "",
    tax_id: str = "",
    segment_id: int | None = None,
    language: str = "",
) -> Customer:
    """Create a customer; phone goes to E.164 and the tax id is checked for the country."""
    values = _clean(
        org,
        {
            "name": name,
            "email": email,
            "phone": phone,
            "tax_id": tax_id,
            "segment_id": segment_id,
            "language": language,
        },
    )
    if (
        values["tax_id"]
        and Customer.objects.filter(organization=org, tax_id=values["tax_id"]).exists()
    ):
        raise _duplicate_tax_id()
    try:
        with transaction.atomic():
            customer = Customer.objects.create(organization=org, **values)
    except IntegrityError as exc:  # a concurrent creation with the same tax id
        raise _duplicate_tax_id() from exc
    audit.record_create(
        org_id=org.pk, actor=actor, instance=customer, fields=CUSTOMER_AUDITED_FIELDS
    )
    return customer


@transaction.atomic
def update_customer(
    *,
    customer: Customer,
    actor: Actor,
    name: str = _UNSET,
    email: str = _UNSET,
    phone: str = _UNSET,
    tax_id: str = _UNSET,
    segment_id: int | None = _UNSET,
    language: str = _UNSET,
) -> Customer:
    """Change the given fields only; the audit entry holds before and after."""
    given = {
        k: v
        for k, v in {
            "name": name,
            "email": email,
            "phone": phone,
            "tax_id": tax_id,
            "segment_id": segment_id,
            "language": language,
        }.items()
        if v is not _UNSET
    }
    values = _clean(customer.organization, given)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if (
        values.get("tax_id")
        and Customer.objects.filter(
            organization_id=customer.organization_id, tax_id=values["tax_id"]
        )
        .exclude(pk=customer.pk)
        .exists()
    ):
        raise _duplicate_tax_id()
    before = audit.snapshot(customer, CUSTOMER_AUDITED_FIELDS)
    for key, value in values.items():
        setattr(customer, key, value)
    customer.save()
    audit.record_update(
        org_id=customer.organization_id, actor=actor, instance=customer, before=before
    )
    return customer
