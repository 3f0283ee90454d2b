from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "helpline.routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        from helpline.configuration.sections import SECTIONS, Section
        from helpline.tenancy.permissions import Action

        section = Section(
            "routing:rules",
            _("Routing rules"),
            "routing",
            Action.MANAGE_ROUTING,
            help=_("Which queue every new or reclassified case goes to; the default queue."),
        )
        if section not in SECTIONS:
            SECTIONS.append(section)
