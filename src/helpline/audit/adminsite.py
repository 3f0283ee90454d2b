"""The Django admin is the platform operator's tool: only active superusers may enter it.

A tenant's administrators and supervisors configure their organisation in the settings area
(``/desk/<org>/settings/``), which is scoped to their tenant by construction. Staff status
alone opens nothing here: the admin lists every tenant's rows in its dropdowns and its user
screens reach every user of every tenant.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class PlatformAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class PlatformAdminConfig(AdminConfig):
    default_site = "helpline.audit.adminsite.PlatformAdminSite"
