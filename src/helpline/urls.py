from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from helpline.api.api import api
from helpline.api.api import docs as api_docs

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="desk/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/docs", api_docs, name="api-docs"),
    path("api/v1/", api.urls),
    path("", include("helpline.routing.urls")),
    path("", include("helpline.sla.urls")),
    path("", include("helpline.configuration.urls")),
    path("", include("helpline.desk.urls")),
    path("", include("helpline.customers.urls")),
    path("", include("helpline.channels.urls")),
    path("", include("helpline.portal.urls")),  # public /<tenant>/... pages: keep last
]
# No /media/ route, not even with DEBUG: attachments are served only by the views that check
# the reader (lib/files.py).
