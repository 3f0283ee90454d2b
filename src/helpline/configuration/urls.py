from django.urls import path

from helpline.configuration import views

app_name = "configuration"

_base = "desk/<slug:org_slug>/settings/"

urlpatterns = [
    path(_base, views.index, name="index"),
]
