"""The contact event log in the admin: read-only, like the table itself."""

from django.contrib import admin

from helpline.audit.admin import ReadOnlyAdmin
from helpline.events.models import ContactEvent


@admin.register(ContactEvent)
class ContactEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "organization", "kind", "channel", "case", "actor_label")
    list_filter = ("kind", "channel", "actor_kind")
    search_fields = ("=case__protocol_number", "actor_label")
    list_select_related = ("organization", "case")
    raw_id_fields = ("case", "customer", "actor_user")
    ordering = ("-at", "-id")
