"""Reading customers, always scoped by organisation. The desk's forgiving search is in
``customers.search``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.audit.models import AuditEntry
from helpline.customers.models import (
    Address,
    Asset,
    Consent,
    ContactPoint,
    Customer,
    CustomerIdentifier,
    DesignatedPerson,
    IdentityCheck,
    RetentionPolicy,
    Segment,
    ServiceAccount,
)
from helpline.lib.errors import NotFound
from helpline.lib.identifiers import compact_tax_id, normalise_phone
from helpline.tenancy.models import Organization


def get_customer(*, org: Organization, customer_id: int) -> Customer:
    customer = Customer.objects.filter(organization=org, pk=customer_id).first()
    if customer is None:
        raise NotFound(_("No such customer."))
    return customer


def contact_value(*, org: Organization, phone: str = "", email: str = "") -> str:
    """The stored form of a phone (E.164 in the tenant's country) or e-mail; "" if invalid."""
    if email:
        return email.strip().lower()
    if phone:
        try:
            return normalise_phone(phone, org.country)
        except ValueError:
            return ""
    return ""


def find_customers_by_identifier(
    *, org: Organization, tax_id: str = "", email: str = "", phone: str = ""
) -> QuerySet[Customer]:
    """Exact lookup by one identifier typed in any format (dots, dashes, spaces, case).

    Phone and e-mail match any of the customer's contacts, not only the primary one: one
    query over the ``(organization, value)`` index of contact points (the caller and sender
    lookup of the channels and voice). Tax ids match any identifier of the customer.
    """
    qs = Customer.objects.filter(organization=org)
    if tax_id:
        value = compact_tax_id(tax_id)
        return qs.filter(
            pk__in=CustomerIdentifier.objects.filter(organization=org, value=value).values(
                "customer_id"
            )
        )
    value = contact_value(org=org, phone=phone, email=email)
    if not value:
        return qs.none()
    return qs.filter(
        pk__in=ContactPoint.objects.filter(organization=org, value=value).values("customer_id")
    )


def customers_by_contact_values(*, org: Organization, values: Iterable[str]) -> dict[str, Customer]:
    """For each stored contact value (``contact_value``'s form), the customer
    ``find_customers_by_identifier(...).first()`` would give, in one query for all of them
    (the intake's sender look-up for a batch of mail). Values without a customer are absent.
    """
    wanted = sorted({v for v in values if v})
    if not wanted:
        return {}
    rows = Customer.objects.filter(organization=org, contacts__value__in=wanted).annotate(
        matched_value=F("contacts__value")
    )
    found: dict[str, Customer] = {}
    for customer in rows:
        value = customer.matched_value
        best = found.get(value)
        if best is None or (customer.name, customer.pk) < (best.name, best.pk):
            found[value] = customer  # the model's ordering is by name
    return found


def search_customers(*, org: Organization, text: str, limit: int = 20) -> list[Customer]:
    """Quick lookup for the desk's forms: the forgiving search's customers, best first."""
    from helpline.customers.search import search

    return [hit.customer for hit in search(org=org, text=text, limit=limit).customers]


def segments_for(*, org: Organization) -> QuerySet[Segment]:
    return Segment.objects.filter(organization=org)


def asset_by_code(*, org: Organization, code: str) -> Asset | None:
    """The tenant's asset with this code (case and surrounding spaces ignored), or None.

    Used by the channels' asset report page (a street-light pole by the code painted on it).
    """
    code = code.strip().upper()
    if not code:
        return None
    return (
        Asset.objects.filter(organization=org, code=code)
        .select_related("customer", "account")
        .first()
    )


def assets_for(*, org: Organization) -> QuerySet[Asset]:
    return Asset.objects.filter(organization=org).order_by("code")


def get_account(*, org: Organization, account_id: int) -> ServiceAccount:
    account = (
        ServiceAccount.objects.filter(organization=org, pk=account_id)
        .select_related("customer")
        .first()
    )
    if account is None:
        raise NotFound(_("No such account."))
    return account


def get_identity_check(*, org: Organization, check_id: int) -> IdentityCheck:
    check = IdentityCheck.objects.filter(organization=org, pk=check_id).first()
    if check is None:
        raise NotFound(_("No such identity check."))
    return check


def customer_360(*, org: Organization, customer_id: int) -> Customer:
    """A customer with everything the customer page shows, in a fixed number of queries."""
    customer = (
        Customer.objects.filter(organization=org, pk=customer_id)
        .select_related("segment")
        .prefetch_related(
            Prefetch("identifiers", queryset=CustomerIdentifier.objects.order_by("kind")),
            Prefetch("contacts", queryset=ContactPoint.objects.order_by("kind", "value")),
            Prefetch("addresses", queryset=Address.objects.order_by("pk")),
            Prefetch("accounts", queryset=ServiceAccount.objects.order_by("account_number")),
            Prefetch("assets", queryset=Asset.objects.order_by("code")),
            Prefetch("designated_persons", queryset=DesignatedPerson.objects.order_by("name")),
            Prefetch("consents", queryset=Consent.objects.order_by("-recorded_at", "-pk")),
        )
        .first()
    )
    if customer is None:
        raise NotFound(_("No such customer."))
    return customer


def cases_of(*, org: Organization, customer: Customer) -> QuerySet[Any]:
    """The customer's cases on every channel, newest first."""
    from helpline.cases.models import Case

    return (
        Case.objects.filter(organization=org, requester=customer)
        .select_related("assignee")
        .order_by("-created_at")
    )


def events_of(
    *, org: Organization, customer: Customer, limit: int = 100, with_notes: bool = True
) -> QuerySet[Any]:
    """The customer's contact events (newest first): the requester's cases' and their own
    (``with_notes=False``: without the events of internal notes)."""
    from django.db.models import Q

    from helpline.events.models import ContactEvent, EventKind

    qs = ContactEvent.objects.filter(
        Q(customer_id=customer.pk) | Q(case__requester_id=customer.pk), organization=org
    )
    if not with_notes:
        qs = qs.exclude(kind=EventKind.NOTE_ADDED)
    return qs.order_by("-at", "-pk")[:limit]


def history_of(*, org: Organization, customer: Customer) -> QuerySet[AuditEntry]:
    """The audit log of the customer and of the rows that hang off it, with the operator."""
    from django.db.models import Q

    related = Q()
    for model, ids in (
        (CustomerIdentifier, customer.identifiers.all()),
        (ContactPoint, customer.contacts.all()),
        (Address, customer.addresses.all()),
        (ServiceAccount, customer.accounts.all()),
        (DesignatedPerson, customer.designated_persons.all()),
        (IdentityCheck, IdentityCheck.objects.filter(customer=customer)),
    ):
        related |= Q(
            object_type=model._meta.label_lower,
            object_id__in=[str(pk) for pk in ids.values_list("pk", flat=True)],
        )
    return (
        AuditEntry.objects.filter(organization=org)
        .filter(Q(object_type=Customer._meta.label_lower, object_id=str(customer.pk)) | related)
        .order_by("-at", "-pk")
    )


def current_consents(*, customer: Customer) -> dict[str, Consent]:
    """The latest consent per purpose."""
    out: dict[str, Consent] = {}
    for consent in Consent.objects.filter(customer=customer).order_by("recorded_at", "pk"):
        out[consent.purpose] = consent
    return out


def retention_policy_for(*, org: Organization) -> RetentionPolicy | None:
    return RetentionPolicy.objects.filter(organization=org).first()


def customers_due_for_erasure(*, org: Organization, now: datetime, days: int) -> QuerySet[Customer]:
    """Customers with no change and no case activity for ``days``, none of it open: what a
    retention policy of ``days`` pseudonymises."""
    from helpline.cases.choices import ACTIVE_STATUSES
    from helpline.cases.models import Case

    cutoff = now - timedelta(days=days)
    recent = Case.objects.filter(requester=OuterRef("pk")).filter(
        updated_at__gte=cutoff
    ) | Case.objects.filter(requester=OuterRef("pk"), status__in=ACTIVE_STATUSES)
    return (
        Customer.objects.filter(organization=org, erased_at__isnull=True, updated_at__lt=cutoff)
        .exclude(Exists(recent))
        .order_by("pk")
    )


def count_due_for_erasure(*, org: Organization, days: int, now: datetime | None = None) -> int:
    """How many customers a retention period of ``days`` would pseudonymise now (shown
    before an administrator saves a new period)."""
    return customers_due_for_erasure(org=org, now=now or timezone.now(), days=days).count()
