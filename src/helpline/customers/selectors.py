"""Reading customers, always scoped by organisation."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from helpline.customers.models import Customer, Segment
from helpline.lib.errors import NotFound
from helpline.lib.identifiers import compact_tax_id, normalise_phone
from helpline.tenancy.models import Organization


def get_customer(*, org: Organization, customer_id: int) -> Customer:
    customer = Customer.objects.filter(organization=org, pk=customer_id).first()
    if customer is None:
        raise NotFound(_("No such customer."))
    return customer


def find_customers_by_identifier(
    *, org: Organization, tax_id: str = "", email: str = "", phone: str = ""
) -> QuerySet[Customer]:
    """Exact lookup by one identifier typed in any format (dots, dashes, spaces, case)."""
    qs = Customer.objects.filter(organization=org)
    if tax_id:
        return qs.filter(tax_id=compact_tax_id(tax_id))
    if email:
        return qs.filter(email=email.strip().lower())
    if phone:
        try:
            return qs.filter(phone=normalise_phone(phone, org.country))
        except ValueError:
            return qs.none()
    return qs.none()


def search_customers(*, org: Organization, text: str, limit: int = 20) -> list[Customer]:
    """Quick lookup for the desk's forms: identifier match first, then name prefix."""
    text = text.strip()
    if not text:
        return []
    exact = list(find_customers_by_identifier(org=org, tax_id=text)[:limit])
    if "@" in text:
        exact += list(find_customers_by_identifier(org=org, email=text)[:limit])
    if any(ch.isdigit() for ch in text):
        exact += list(find_customers_by_identifier(org=org, phone=text)[:limit])
    seen = {c.pk for c in exact}
    by_name = Customer.objects.filter(organization=org, name__icontains=text).order_by("name")
    return exact + [c for c in by_name[:limit] if c.pk not in seen][: max(0, limit - len(exact))]


def segments_for(*, org: Organization) -> QuerySet[Segment]:
    return Segment.objects.filter(organization=org)
