"""The audit log in the admin (read-only), and the base classes every other admin uses.

``HelplineModelAdmin`` makes admin edits obey the same rules as the rest of the product:
every create, change and delete is written to the audit log with before/after values, and a
record may not point at another organisation's objects. Only superusers (the platform
operator) enter the admin at all (``adminsite.PlatformAdminSite``); tenants configure
themselves in the settings area.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helpline.audit import services as audit
from helpline.audit.models import AuditEntry
from helpline.lib.actors import Actor


def _org_id(obj: models.Model) -> int | None:
    from helpline.tenancy.models import Organization

    if isinstance(obj, Organization):
        return obj.pk
    org_id = getattr(obj, "organization_id", None)
    if org_id is None and hasattr(obj, "membership_id"):
        org_id = obj.membership.organization_id  # type: ignore[attr-defined]
    return org_id


def audited_field_names(obj: models.Model) -> list[str]:
    """Concrete, non-automatic fields: what an admin form can change."""
    return [
        f.name
        for f in obj._meta.concrete_fields
        if not f.primary_key
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
    ]


def save_audited(request: HttpRequest, obj: models.Model, change: bool) -> None:
    """Save ``obj`` and write what changed to the audit log, in one transaction."""
    actor = Actor.for_user(request.user)
    fields = audited_field_names(obj)
    with transaction.atomic():
        if change:
            stored = type(obj)._default_manager.get(pk=obj.pk)
            before = audit.snapshot(stored, fields)
            obj.save()
            audit.record_update(org_id=_org_id(obj), actor=actor, instance=obj, before=before)
        else:
            obj.save()
            audit.record_create(org_id=_org_id(obj), actor=actor, instance=obj, fields=fields)


def delete_audited(request: HttpRequest, obj: models.Model) -> None:
    actor = Actor.for_user(request.user)
    with transaction.atomic():
        audit.record_delete(
            org_id=_org_id(obj), actor=actor, instance=obj, fields=audited_field_names(obj)
        )
        obj.delete()


class SameOrganizationForm(forms.ModelForm):
    """Refuses references to another organisation's objects (a topic of tenant B on a
    queue of tenant A, say): the admin lists every tenant's objects to a superuser."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        org = data.get("organization") or getattr(self.instance, "organization", None)
        org_id = getattr(org, "pk", None)
        if org_id is None:
            return data
        for name, value in list(data.items()):
            if name == "organization":
                continue
            values = list(value) if isinstance(value, QuerySet | list | tuple) else [value]
            for item in values:
                other = getattr(item, "organization_id", None)
                if isinstance(item, models.Model) and other is not None and other != org_id:
                    self.add_error(name, _("This belongs to another organisation."))
                    break
        return data


class HelplineModelAdmin(admin.ModelAdmin):
    """Audited saves and deletes; references across organisations refused.

    ``org_lookup`` is the path from the model to its organisation id (documentation of the
    model's tenancy; the admin itself is for superusers only).
    """

    form = SameOrganizationForm
    org_lookup: str | None = "organization_id"
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        save_audited(request, obj, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        delete_audited(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            delete_audited(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            delete_audited(request, obj)
        for obj in instances:
            parent_org = getattr(form.instance, "organization_id", None)
            if hasattr(obj, "organization_id") and obj.organization_id is None and parent_org:
                obj.organization_id = parent_org
            save_audited(request, obj, change=obj.pk is not None)
        formset.save_m2m()


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only logs: nobody adds, changes or deletes a row, not even a superuser."""

    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "organization", "actor_label", "action", "object_type", "object_repr")
    list_filter = ("action", "actor_kind", "object_type")
    search_fields = ("object_repr", "actor_label", "=object_id")
    list_select_related = ("organization",)
    ordering = ("-at", "-id")
