from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """Public, tenant-branded pages: web form, case status."""

    name = "helpline.portal"
    verbose_name = _("Public portal")
