from django.urls import path

from helpline.desk import views

app_name = "desk"

_case = "desk/<slug:org_slug>/cases/<int:case_id>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("desk/", views.home, name="home"),
    path("desk/language/", views.language, name="language"),
    path("desk/<slug:org_slug>/", views.org_home, name="org_home"),
    path("desk/<slug:org_slug>/cases/", views.case_list, name="case_list"),
    path("desk/<slug:org_slug>/cases/new/", views.case_new, name="case_new"),
    path("desk/<slug:org_slug>/customers/search/", views.customer_search, name="customer_search"),
    path(_case, views.case_detail, name="case_detail"),
    path(_case + "messages/", views.case_message, name="case_message"),
    path(_case + "status/", views.case_status, name="case_status"),
    path(_case + "urgency/", views.case_urgency, name="case_urgency"),
    path(_case + "classification/", views.case_classification, name="case_classification"),
    path(_case + "assignment/", views.case_assign, name="case_assign"),
    path(_case + "tasks/", views.case_task_add, name="case_task_add"),
    path(_case + "tasks/<int:task_id>/done/", views.case_task_done, name="case_task_done"),
    path(
        _case + "status-links/revoke/",
        views.case_revoke_status_links,
        name="case_revoke_status_links",
    ),
    path(_case + "attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
