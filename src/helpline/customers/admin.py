"""Segments (configuration) and customers in the admin.

Customers are created and changed through ``customers.services`` so the phone goes to
E.164, the tax id is validated for the organisation's country and the change is audited,
exactly as from the desk or the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from helpline.audit.admin import HelplineModelAdmin, SameOrganizationForm
from helpline.customers import services
from helpline.customers.models import Customer, Segment
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.lib.identifiers import normalise_phone, normalise_tax_id


@admin.register(Segment)
class SegmentAdmin(HelplineModelAdmin):
    list_display = ("name", "code", "organization")
    list_filter = ("organization",)
    search_fields = ("name", "code")
    list_select_related = ("organization",)
    prepopulated_fields = {"code": ("name",)}


class CustomerForm(SameOrganizationForm):
    """Checks phone and tax id for the organisation's country, so errors show on the field
    (the service checks again when saving)."""

    class Meta:
        model = Customer
        fields = ("organization", "name", "email", "phone", "tax_id", "segment", "language")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        org = data.get("organization") or getattr(self.instance, "organization", None)
        if org is None:
            return data
        if data.get("phone"):
            try:
                normalise_phone(data["phone"], org.country)
            except ValueError as exc:
                self.add_error("phone", str(exc))
        if data.get("tax_id"):
            try:
                normalise_tax_id(data["tax_id"], org.country)
            except ValueError as exc:
                self.add_error("tax_id", str(exc))
        return data


@admin.register(Customer)
class CustomerAdmin(HelplineModelAdmin):
    form = CustomerForm
    list_display = ("name", "organization", "email", "phone", "tax_id", "segment")
    list_filter = ("organization", "segment")
    search_fields = ("name", "=email", "=phone", "=tax_id")
    list_select_related = ("organization", "segment")
    readonly_fields = ("tax_id_kind", "created_at", "updated_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:  # a customer never moves to another organisation
            return ("organization", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = Actor.for_user(request.user)
        values = {
            "name": obj.name,
            "email": obj.email,
            "phone": obj.phone,
            "tax_id": obj.tax_id,
            "segment_id": obj.segment_id,
            "language": obj.language,
        }
        try:
            if change:
                stored = Customer.objects.get(pk=obj.pk)
                saved = services.update_customer(customer=stored, actor=actor, **values)
            else:
                saved = services.create_customer(org=obj.organization, actor=actor, **values)
        except FieldValidationError as exc:  # pragma: no cover - the form checked first
            raise ValueError(exc.message) from exc
        obj.pk = saved.pk
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False
