from django.contrib import admin

from helpline.audit.admin import HelplineModelAdmin
from helpline.routing.models import Queue


@admin.register(Queue)
class QueueAdmin(HelplineModelAdmin):
    list_display = ("name", "code", "organization", "level", "channel", "segment")
    list_filter = ("organization", "level", "channel")
    search_fields = ("name", "code")
    list_select_related = ("organization", "segment")
    filter_horizontal = ("topics",)
    prepopulated_fields = {"code": ("name",)}
