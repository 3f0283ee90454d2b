from django.urls import path

from helpline.routing import settings_views, views

app_name = "routing"

_base = "desk/<slug:org_slug>/routing/"
_rules = "desk/<slug:org_slug>/settings/routing-rules/"

urlpatterns = [
    path(_base + "me/", views.presence, name="presence"),
    path(_base + "me/state/", views.set_state, name="set_state"),
    path(_base + "offers/<int:offer_id>/accept/", views.offer_accept, name="offer_accept"),
    path(_base + "offers/<int:offer_id>/reject/", views.offer_reject, name="offer_reject"),
    path(_base + "tasks/<int:task_id>/finish/", views.task_finish, name="task_finish"),
    path(_base + "wallboard/", views.wallboard, name="wallboard"),
    path(_base + "agents/<int:user_id>/state/", views.agent_state, name="agent_state"),
    path(_base + "tasks/<int:task_id>/move/", views.task_move, name="task_move"),
    path(_rules, settings_views.rules, name="rules"),
    path(_rules + "new/", settings_views.rule_new, name="rule_new"),
    path(_rules + "default-queue/", settings_views.default_queue, name="rule_default"),
    path(_rules + "<int:rule_id>/", settings_views.rule_edit, name="rule_edit"),
    path(_rules + "<int:rule_id>/move/", settings_views.rule_move, name="rule_move"),
    path(_rules + "<int:rule_id>/delete/", settings_views.rule_delete, name="rule_delete"),
]
