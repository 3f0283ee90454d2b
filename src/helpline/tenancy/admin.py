"""Organisations, memberships, profiles and API tokens in the admin.

Creation goes through the tenancy services (audit and, for tokens, the one-time display of
the clear value); changes and deletes are audited by ``HelplineModelAdmin``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helpline.audit.admin import HelplineModelAdmin
from helpline.lib.actors import Actor
from helpline.tenancy import services
from helpline.tenancy.models import ApiToken, Membership, Organization, UserProfile


def _adopt(obj: Any, created: Any) -> None:
    """Make the admin's unsaved ``obj`` stand for the row a service created."""
    obj.pk = created.pk
    obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})
    obj._state.adding = False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "is_active", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(HelplineModelAdmin):
    org_lookup = "pk"
    list_display = ("name", "slug", "country", "language", "time_zone", "protocol_prefix")
    list_filter = ("country", "language")
    search_fields = ("name", "slug", "protocol_prefix")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "country", "language", "time_zone")}),
        (_("Protocol numbers"), {"fields": ("protocol_prefix", "protocol_format")}),
        (_("Branding"), {"fields": ("brand_color", "brand_logo_url")}),
        (None, {"fields": ("created_at",)}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        fields = {
            f: form.cleaned_data[f] for f in services.ORG_AUDITED_FIELDS if f in form.cleaned_data
        }
        _adopt(obj, services.create_organization(actor=Actor.for_user(request.user), **fields))


@admin.register(Membership)
class MembershipAdmin(HelplineModelAdmin):
    list_display = ("user", "organization", "role", "is_active", "created_at")
    list_filter = ("role", "is_active", "organization")
    search_fields = ("user__username", "user__email", "organization__name")
    list_select_related = ("user", "organization")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        created = services.add_member(
            actor=Actor.for_user(request.user), org=obj.organization, user=obj.user, role=obj.role
        )
        if not obj.is_active:
            created.is_active = False
            super().save_model(request, created, form, change=True)
        _adopt(obj, created)


@admin.register(UserProfile)
class UserProfileAdmin(HelplineModelAdmin):
    org_lookup = None
    list_display = ("user", "language")
    list_filter = ("language",)
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)


@admin.register(ApiToken)
class ApiTokenAdmin(HelplineModelAdmin):
    """Only the hash is stored: the clear token is shown once, right after creation."""

    org_lookup = "membership__organization_id"
    list_display = ("name", "key_prefix", "membership", "created_at", "last_used_at", "revoked_at")
    list_filter = ("membership__organization",)
    search_fields = ("name", "key_prefix", "membership__user__username")
    list_select_related = ("membership__user", "membership__organization")
    raw_id_fields = ("membership",)
    readonly_fields = ("key_prefix", "key_hash", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["membership", "name"]
        return ["membership", "name", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return ("membership", *self.readonly_fields)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the row documents who held the token

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        token, raw = services.create_api_token(
            actor=Actor.for_user(request.user), membership=obj.membership, name=obj.name
        )
        _adopt(obj, token)
        messages.warning(
            request,
            _(
                "The new token is %(token)s. Copy it now: it is not stored and will not be shown "
                "again."
            )
            % {"token": raw},
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = Actor.for_user(request.user)
        for token in queryset.filter(revoked_at__isnull=True).select_related("membership"):
            services.revoke_api_token(actor=actor, token=token)
