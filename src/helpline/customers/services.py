"""All writes to customers and what hangs off them: validated, normalised, audited, and
the search index kept in step. Service accounts change only with a valid identity check
(``customers.identity``); GDPR writes are in ``customers.gdpr``, import in
``customers.importer``."""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from helpline.audit import services as audit
from helpline.customers.models import (
    ACCOUNT_AUDITED_FIELDS,
    CUSTOMER_AUDITED_FIELDS,
    AccountStatus,
    Address,
    Asset,
    ContactKind,
    ContactPoint,
    Customer,
    CustomerIdentifier,
    CustomerKind,
    DesignatedPerson,
    IdentityCheck,
    NotifyBy,
    Segment,
    ServiceAccount,
)
from helpline.customers.search_index import language_of, reindex_customer
from helpline.lib import deferred
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, Forbidden
from helpline.lib.identifiers import normalise_phone, normalise_tax_id
from helpline.lib.phonetic import combined_key
from helpline.tenancy.models import Organization

_UNSET: Any = object()


def require_identity_check(
    *, check: IdentityCheck | None, customer: Customer, actor: Actor
) -> None:
    """Refuse (403) unless ``check`` is a passed, unexpired check of ``customer`` by ``actor``."""
    from helpline.customers.identity import check_is_valid

    if check is None or not check_is_valid(check=check, customer=customer, actor=actor):
        raise Forbidden(_("Check the customer's identity before changing account data."))


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
    if "notify_by" in values:
        choice = values["notify_by"] or ""
        if choice not in NotifyBy.values:
            errors.setdefault("notify_by", []).append(
                _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(v or "(automatic)" for v in NotifyBy.values)}
            )
        out["notify_by"] = choice
    if "kind" in values:
        kind = values["kind"] or CustomerKind.PERSON
        if kind not in CustomerKind.values:
            errors.setdefault("kind", []).append(
                _("Unknown kind %(value)s; use one of %(choices)s.")
                % {"value": kind, "choices": ", ".join(CustomerKind.values)}
            )
        out["kind"] = kind
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
    kind: str = CustomerKind.PERSON,
) -> Customer:
    """Create a customer; phone goes to E.164 and the tax id is checked for the country.

    The phone and e-mail become contact points and the tax id an identifier, so the caller
    lookup and the identifier search find the customer; the name is indexed for search.
    """
    values = _clean(
        org,
        {
            "name": name,
            "email": email,
            "phone": phone,
            "tax_id": tax_id,
            "segment_id": segment_id,
            "language": language,
            "kind": kind,
        },
    )
    if (
        values["tax_id"]
        and Customer.objects.filter(organization=org, tax_id=values["tax_id"]).exists()
    ):
        raise _duplicate_tax_id()
    lang = language_of(org)
    # Only a tax id can collide (with a concurrent creation): without one, no savepoint.
    guard = transaction.atomic() if values["tax_id"] else contextlib.nullcontext()
    try:
        with guard:
            customer = Customer(
                organization=org, name_key=combined_key(values["name"], lang), **values
            )
            if values["tax_id"]:  # its uniqueness is answered by this insert
                customer.save(force_insert=True)
            else:  # at once, or with the rest of the intake's batch
                deferred.insert_with_id(customer)
            _sync_primary(customer, {}, new=True)
    except IntegrityError as exc:  # a concurrent creation with the same tax id
        raise _duplicate_tax_id() from exc
    reindex_customer(customer, lang=lang, new=True)
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
    kind: str = _UNSET,
    notify_by: str = _UNSET,
) -> Customer:
    """Change the given fields only; the audit entry holds before and after. A new primary
    phone, e-mail or tax id replaces the old one among the contacts and identifiers."""
    given = {
        k: v
        for k, v in {
            "name": name,
            "email": email,
            "phone": phone,
            "tax_id": tax_id,
            "segment_id": segment_id,
            "language": language,
            "kind": kind,
            "notify_by": notify_by,
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
    lang = language_of(customer.organization)
    customer.name_key = combined_key(customer.name, lang)
    try:
        with transaction.atomic():
            customer.save()
            _sync_primary(customer, before)
    except IntegrityError as exc:
        raise _duplicate_tax_id() from exc
    if before["name"] != customer.name:
        reindex_customer(customer, lang=lang)
    audit.record_update(
        org_id=customer.organization_id, actor=actor, instance=customer, before=before
    )
    if any(before[f] != after for f, after in _routed_by(customer).items()):
        # What the routing rules look at changed: the open cases follow (routing.rules).
        from helpline.cases.services import reroute_requester_cases

        reroute_requester_cases(customer=customer, actor=actor)
    return customer


def _routed_by(customer: Customer) -> dict[str, Any]:
    return {"segment": customer.segment_id, "kind": customer.kind, "language": customer.language}


def _sync_primary(customer: Customer, before: dict[str, Any], *, new: bool = False) -> None:
    """Mirror the primary phone, e-mail and tax id into contact points and identifiers
    (``new``: a customer created just now, who has none yet)."""
    org_id = customer.organization_id
    for kind, field in ((ContactKind.PHONE, "phone"), (ContactKind.EMAIL, "email")):
        old, value = before.get(field) or "", getattr(customer, field)
        if old == value:
            continue
        if old:
            ContactPoint.objects.filter(customer=customer, kind=kind, value=old).delete()
        if value and new:  # at once, or with the rest of the intake's batch
            deferred.insert(
                ContactPoint(organization_id=org_id, customer=customer, kind=kind, value=value)
            )
        elif value:
            ContactPoint.objects.get_or_create(
                organization_id=org_id, customer=customer, kind=kind, value=value
            )
    old_tax = before.get("tax_id") or ""
    if old_tax != customer.tax_id:
        if old_tax:
            CustomerIdentifier.objects.filter(customer=customer, value=old_tax).delete()
        if customer.tax_id:
            CustomerIdentifier.objects.create(
                organization_id=org_id,
                customer=customer,
                kind=customer.tax_id_kind,
                value=customer.tax_id,
            )


# --- contacts, identifiers, addresses, designated persons ----------------------------------


@transaction.atomic
def add_contact(
    *, customer: Customer, actor: Actor, kind: str, value: str, label: str = ""
) -> ContactPoint:
    """Add a phone (stored E.164) or e-mail (lower case) to a customer."""
    org = customer.organization
    if kind == ContactKind.PHONE:
        cleaned = _clean(org, {"phone": value})["phone"]
    elif kind == ContactKind.EMAIL:
        cleaned = _clean(org, {"email": value})["email"]
    else:
        raise FieldValidationError(
            kind=_("Unknown kind %(value)s; use one of %(choices)s.")
            % {"value": kind, "choices": ", ".join(ContactKind.values)}
        )
    if not cleaned:
        raise FieldValidationError(value=_("A value is required."))
    contact, created = ContactPoint.objects.get_or_create(
        organization=org, customer=customer, kind=kind, value=cleaned, defaults={"label": label}
    )
    if created:
        audit.record_create(
            org_id=org.pk,
            actor=actor,
            instance=contact,
            fields=("customer", "kind", "value", "label"),
        )
    return contact


@transaction.atomic
def add_identifier(*, customer: Customer, actor: Actor, value: str) -> CustomerIdentifier:
    """Add a tax or personal identifier, validated with python-stdnum for the country."""
    org = customer.organization
    cleaned = _clean(org, {"tax_id": value})
    if not cleaned["tax_id"]:
        raise FieldValidationError(tax_id=_("A value is required."))
    if CustomerIdentifier.objects.filter(
        organization=org, kind=cleaned["tax_id_kind"], value=cleaned["tax_id"]
    ).exists():
        raise _duplicate_tax_id()
    ident = CustomerIdentifier.objects.create(
        organization=org, customer=customer, kind=cleaned["tax_id_kind"], value=cleaned["tax_id"]
    )
    audit.record_create(
        org_id=org.pk, actor=actor, instance=ident, fields=("customer", "kind", "value")
    )
    return ident


ADDRESS_FIELDS = ("street_code", "street", "house_number", "district", "municipality", "postcode")


def _clean_address(values: dict[str, Any]) -> dict[str, str]:
    out = {k: str(values.get(k) or "").strip() for k in ADDRESS_FIELDS}
    limits = {f.name: f.max_length for f in Address._meta.fields if f.name in ADDRESS_FIELDS}
    errors: dict[str, list[str]] = {}
    if not out["street"]:
        errors["street"] = [_("A street is required.")]
    for key, value in out.items():
        if len(value) > (limits[key] or 0):
            errors.setdefault(key, []).append(_("At most %(n)s characters.") % {"n": limits[key]})
    if errors:
        raise FieldValidationError(errors)
    return out


@transaction.atomic
def add_address(*, customer: Customer, actor: Actor, **values: str) -> Address:
    """Add an address (street required); the street is indexed for search."""
    cleaned = _clean_address(values)
    lang = language_of(customer.organization)
    address = Address.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        street_key=combined_key(cleaned["street"], lang),
        district_key=combined_key(cleaned["district"], lang),
        **cleaned,
    )
    reindex_customer(customer, lang=lang)
    audit.record_create(
        org_id=customer.organization_id,
        actor=actor,
        instance=address,
        fields=("customer", *ADDRESS_FIELDS),
    )
    return address


@transaction.atomic
def add_designated_person(
    *,
    customer: Customer,
    actor: Actor,
    name: str,
    role: str = "",
    phone: str = "",
    email: str = "",
    may_use_reserved_line: bool = False,
    may_act_for_account: bool = False,
) -> DesignatedPerson:
    """Someone who may use the reserved line or act for the customer's account."""
    cleaned = _clean(customer.organization, {"name": name, "phone": phone, "email": email})
    person = DesignatedPerson.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        role=role.strip()[:80],
        may_use_reserved_line=may_use_reserved_line,
        may_act_for_account=may_act_for_account,
        **cleaned,
    )
    audit.record_create(
        org_id=customer.organization_id,
        actor=actor,
        instance=person,
        fields=(
            "customer",
            "name",
            "role",
            "phone",
            "email",
            "may_use_reserved_line",
            "may_act_for_account",
        ),
    )
    return person


@transaction.atomic
def set_security_question(
    *, customer: Customer, actor: Actor, question: str, answer: str
) -> Customer:
    """Store the question and the hashed answer (compared case- and accent-insensitively)."""
    from helpline.customers.identity import hash_answer

    errors: dict[str, list[str]] = {}
    if not question.strip():
        errors["question"] = [_("A question is required.")]
    if not answer.strip():
        errors["answer"] = [_("An answer is required.")]
    if errors:
        raise FieldValidationError(errors)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    before = audit.snapshot(customer, CUSTOMER_AUDITED_FIELDS)
    customer.security_question = question.strip()[:200]
    customer.security_answer_hash = hash_answer(answer)
    customer.save(update_fields=["security_question", "security_answer_hash", "updated_at"])
    # The answer itself never goes to the audit log; a changed answer is logged as such.
    entry = audit.record_update(
        org_id=customer.organization_id, actor=actor, instance=customer, before=before
    )
    if entry is None:
        audit.record(
            org_id=customer.organization_id,
            actor=actor,
            action="update",
            instance=customer,
            changes={"security_answer": ["***", "***"]},
        )
    return customer


# --- service accounts (identity check required) and assets -------------------------------


#: Longest value of each free-text account field (as in the model).
_ACCOUNT_LIMITS = {
    "account_number": 40,
    "municipal_registration": 40,
    "meter_number": 40,
    "description": 200,
}


def _clean_account(
    org: Organization, values: dict[str, Any], *, exclude: int | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in ("account_number", "municipal_registration", "meter_number", "description"):
        if key in values:
            value = str(values[key] or "").strip()
            limit = _ACCOUNT_LIMITS[key]
            if len(value) > limit:
                errors.setdefault(key, []).append(_("At most %(n)s characters.") % {"n": limit})
            out[key] = value
    if "account_number" in out:
        if not out["account_number"]:
            errors.setdefault("account_number", []).append(_("An account number is required."))
        elif (
            ServiceAccount.objects.filter(organization=org, account_number=out["account_number"])
            .exclude(pk=exclude or 0)
            .exists()
        ):
            errors.setdefault("account_number", []).append(
                _("Another account already has this number.")
            )
    if "status" in values:
        if values["status"] not in AccountStatus.values:
            errors.setdefault("status", []).append(
                _("Unknown status %(value)s; use one of %(choices)s.")
                % {"value": values["status"], "choices": ", ".join(AccountStatus.values)}
            )
        out["status"] = values["status"]
    if "address_id" in values:
        aid = values["address_id"]
        if aid is not None and not Address.objects.filter(organization=org, pk=aid).exists():
            errors.setdefault("address_id", []).append(_("Unknown address: %(id)s") % {"id": aid})
        out["address_id"] = aid
    if errors:
        raise FieldValidationError(errors)
    return out


@transaction.atomic
def create_account(
    *,
    customer: Customer,
    actor: Actor,
    identity_check: IdentityCheck | None,
    account_number: str,
    municipal_registration: str = "",
    meter_number: str = "",
    description: str = "",
    address_id: int | None = None,
    checked: bool = True,
) -> ServiceAccount:
    """Open a service account for ``customer``. Needs a valid identity check for the customer
    by this operator (``checked=False`` only for imports and the demo loader, whose source
    is a system of record, not a caller)."""
    if checked:
        require_identity_check(check=identity_check, customer=customer, actor=actor)
    values = _clean_account(
        customer.organization,
        {
            "account_number": account_number,
            "municipal_registration": municipal_registration,
            "meter_number": meter_number,
            "description": description,
            "address_id": address_id,
        },
        exclude=None,
    )
    try:
        with transaction.atomic():
            account = ServiceAccount.objects.create(
                organization_id=customer.organization_id, customer=customer, **values
            )
    except IntegrityError as exc:
        raise FieldValidationError(
            account_number=_("Another account already has this number.")
        ) from exc
    audit.record_create(
        org_id=customer.organization_id,
        actor=actor,
        instance=account,
        fields=ACCOUNT_AUDITED_FIELDS,
    )
    return account


@transaction.atomic
def update_account(
    *,
    account: ServiceAccount,
    actor: Actor,
    identity_check: IdentityCheck | None,
    **changes: Any,
) -> ServiceAccount:
    """Change an account's fields (``account_number``, ``municipal_registration``,
    ``meter_number``, ``description``, ``address_id``, ``status``); refused without a
    valid identity check for the account's customer."""
    unknown = set(changes) - {
        "account_number", "municipal_registration", "meter_number", "description",
        "address_id", "status",
    }  # fmt: skip
    if unknown:
        raise FieldValidationError({k: [_("Not a field of an account.")] for k in sorted(unknown)})
    account = (
        ServiceAccount.objects.select_for_update().select_related("customer").get(pk=account.pk)
    )
    require_identity_check(check=identity_check, customer=account.customer, actor=actor)
    values = _clean_account(account.customer.organization, changes, exclude=account.pk)
    before = audit.snapshot(account, ACCOUNT_AUDITED_FIELDS)
    for key, value in values.items():
        setattr(account, key, value)
    account.save()
    audit.record_update(
        org_id=account.organization_id, actor=actor, instance=account, before=before
    )
    return account


@transaction.atomic
def create_asset(
    *,
    org: Organization,
    actor: Actor,
    code: str,
    kind: str,
    description: str = "",
    location: str = "",
    customer_id: int | None = None,
    account_id: int | None = None,
) -> Asset:
    """Register an asset (a street-light pole...) under its code, unique in the tenant."""
    errors: dict[str, list[str]] = {}
    code = code.strip().upper()
    if not code:
        errors["code"] = [_("A code is required.")]
    elif len(code) > 40:
        errors["code"] = [_("At most %(n)s characters.") % {"n": 40}]
    elif Asset.objects.filter(organization=org, code=code).exists():
        errors["code"] = [_("Another asset already has this code.")]
    if not kind.strip():
        errors["kind"] = [_("A kind is required.")]
    if (
        customer_id is not None
        and not Customer.objects.filter(organization=org, pk=customer_id).exists()
    ):
        errors["customer_id"] = [_("Unknown customer: %(id)s") % {"id": customer_id}]
    if (
        account_id is not None
        and not ServiceAccount.objects.filter(organization=org, pk=account_id).exists()
    ):
        errors["account_id"] = [_("Unknown account: %(id)s") % {"id": account_id}]
    if errors:
        raise FieldValidationError(errors)
    asset = Asset.objects.create(
        organization=org,
        code=code,
        kind=kind.strip()[:40],
        description=description.strip()[:200],
        location=location.strip()[:200],
        customer_id=customer_id,
        account_id=account_id,
    )
    audit.record_create(
        org_id=org.pk,
        actor=actor,
        instance=asset,
        fields=("code", "kind", "description", "location", "customer", "account"),
    )
    return asset
