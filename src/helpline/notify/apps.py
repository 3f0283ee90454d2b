from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    """Outgoing notifications: acknowledgements and replies by e-mail, through an outbox."""

    name = "helpline.notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from helpline.notify import receivers  # noqa: F401  (connects the case hooks)
