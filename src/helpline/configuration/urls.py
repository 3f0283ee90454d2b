from django.urls import path

from helpline.configuration import views, views_notifications

app_name = "configuration"

_base = "desk/<slug:org_slug>/settings/"

urlpatterns = [
    path(_base, views.index, name="index"),
    path(_base + "notifications/", views_notifications.notifications, name="notifications"),
]
