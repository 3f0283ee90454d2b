from django.urls import path

from helpline.configuration import screens, views
from helpline.configuration.crud import REGISTRY

app_name = "configuration"

_base = "desk/<slug:org_slug>/settings/"

assert screens  # registers the catalogue, routing and service-level screens

urlpatterns = [
    path(_base, views.index, name="index"),
]

for _key in REGISTRY:
    _kw = {"key": _key}
    urlpatterns += [
        path(f"{_base}{_key}/", views.crud_list, _kw, name=_key),
        path(f"{_base}{_key}/new/", views.crud_create, _kw, name=f"{_key}_new"),
        path(f"{_base}{_key}/<int:pk>/", views.crud_edit, _kw, name=f"{_key}_edit"),
        path(f"{_base}{_key}/<int:pk>/delete/", views.crud_delete, _kw, name=f"{_key}_delete"),
    ]
