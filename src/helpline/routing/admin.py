from typing import Any

from django.contrib import admin

from helpline.audit.admin import HelplineModelAdmin
from helpline.routing import engine
from helpline.routing.models import (
    Agent,
    AgentSkill,
    CallbackRequest,
    EscalationStep,
    Queue,
    QueueMember,
    Skill,
)


class _ClearsRoutingCache(HelplineModelAdmin):
    """Routing configuration is cached by the engine; a change here is seen at once by
    this process and within ``HELPLINE_ROUTING_CONFIG_TTL`` seconds by the others."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        engine.clear_config_cache()


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0
    fields = ("organization", "after_seconds", "max_member_priority", "skill_relax")


class QueueMemberInline(admin.TabularInline):
    model = QueueMember
    extra = 0
    fields = ("organization", "user", "priority", "delay_seconds")
    raw_id_fields = ("user",)


@admin.register(Queue)
class QueueAdmin(_ClearsRoutingCache):
    list_display = ("name", "code", "organization", "level", "channel", "strategy", "segment")
    list_filter = ("organization", "level", "channel", "strategy")
    search_fields = ("name", "code")
    list_select_related = ("organization", "segment")
    filter_horizontal = ("topics",)
    prepopulated_fields = {"code": ("name",)}
    inlines = (EscalationStepInline, QueueMemberInline)


@admin.register(Skill)
class SkillAdmin(_ClearsRoutingCache):
    list_display = ("name", "code", "organization", "kind", "topic", "level", "language")
    list_filter = ("organization", "kind")
    search_fields = ("name", "code")


@admin.register(AgentSkill)
class AgentSkillAdmin(_ClearsRoutingCache):
    list_display = ("user", "skill", "level", "organization")
    list_filter = ("organization", "skill")
    raw_id_fields = ("user",)


@admin.register(Agent)
class AgentAdmin(_ClearsRoutingCache):
    list_display = ("user", "organization", "state", "pause_reason", "load_voice", "load_chat")
    list_filter = ("organization", "state")
    readonly_fields = ("state", "pause_reason", "state_since", "idle_since", "wrapup_until")
    raw_id_fields = ("user",)


@admin.register(CallbackRequest)
class CallbackRequestAdmin(HelplineModelAdmin):
    list_display = ("phone", "organization", "due_at", "attempts", "max_attempts", "status")
    list_filter = ("organization", "status")
    readonly_fields = ("case", "attempts", "status")
