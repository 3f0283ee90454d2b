from django.urls import path

from helpline.portal import views

app_name = "portal"

urlpatterns = [
    path("<slug:org_slug>/", views.web_form, name="form"),
    path("<slug:org_slug>/report/<str:asset_code>/", views.web_form, name="asset_report"),
    path("<slug:org_slug>/status/", views.status_lookup, name="status_lookup"),
    path("<slug:org_slug>/status/<str:token>/", views.case_status, name="status"),
    path("<slug:org_slug>/privacy/", views.privacy_notice, name="privacy"),
    path("<slug:org_slug>/chat/", views.chat_start, name="chat_start"),
    path("<slug:org_slug>/chat/<str:token>/", views.chat_room, name="chat_room"),
]
