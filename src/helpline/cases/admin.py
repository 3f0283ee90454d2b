"""The topic catalogue (configuration, editable) and cases (read-mostly) in the admin.

Cases change only through the desk and the API, whose services enforce the lifecycle,
audit and contact events; the admin shows them for support and investigation.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from helpline.audit.admin import HelplineModelAdmin
from helpline.cases.models import Attachment, Case, CaseTask, Message, Subject, Topic


class SubjectInline(admin.TabularInline):
    model = Subject
    extra = 1
    fields = ("code", "name", "default_case_type", "position", "is_active")


@admin.register(Topic)
class TopicAdmin(HelplineModelAdmin):
    list_display = ("name", "code", "organization", "position", "is_active")
    list_filter = ("organization", "is_active")
    search_fields = ("name", "code")
    list_select_related = ("organization",)
    prepopulated_fields = {"code": ("name",)}
    inlines = [SubjectInline]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(_ReadOnlyInline):
    model = Message
    fields = ("created_at", "direction", "channel", "author_user", "body")
    readonly_fields = fields


class TaskInline(_ReadOnlyInline):
    model = CaseTask
    fields = ("title", "created_at", "done_at", "done_by")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(HelplineModelAdmin):
    list_display = (
        "protocol_number",
        "title",
        "organization",
        "status",
        "urgency",
        "channel",
        "case_type",
        "assignee",
        "created_at",
    )
    list_filter = ("status", "urgency", "channel", "case_type", "level", "organization")
    search_fields = ("=protocol_number", "title")
    list_select_related = ("organization", "assignee")
    ordering = ("-created_at", "-id")
    inlines = [MessageInline, TaskInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Case._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Attachment)
class AttachmentAdmin(HelplineModelAdmin):
    list_display = ("filename", "organization", "content_type", "size", "sha256")
    search_fields = ("filename", "=sha256")
    list_select_related = ("organization",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Attachment._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
