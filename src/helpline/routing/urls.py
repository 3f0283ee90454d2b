from django.urls import path

from helpline.routing import views

app_name = "routing"

_base = "desk/<slug:org_slug>/routing/"

urlpatterns = [
    path(_base + "me/", views.presence, name="presence"),
    path(_base + "me/state/", views.set_state, name="set_state"),
    path(_base + "offers/<int:offer_id>/accept/", views.offer_accept, name="offer_accept"),
    path(_base + "offers/<int:offer_id>/reject/", views.offer_reject, name="offer_reject"),
    path(_base + "tasks/<int:task_id>/finish/", views.task_finish, name="task_finish"),
    path(_base + "wallboard/", views.wallboard, name="wallboard"),
    path(_base + "agents/<int:user_id>/state/", views.agent_state, name="agent_state"),
    path(_base + "tasks/<int:task_id>/move/", views.task_move, name="task_move"),
]
