from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    """Written channels. Labelled ``helpline_channels``: ``channels`` is Django Channels'."""

    name = "helpline.channels"
    label = "helpline_channels"
    verbose_name = _("Written channels")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from helpline.channels.email.autoreply import forget_addresses
        from helpline.channels.models import Mailbox

        # Loop protection caches our addresses; a changed mailbox is seen at once here and
        # within a minute in other processes.
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(
                lambda **kwargs: forget_addresses(),
                sender=Mailbox,
                weak=False,
                dispatch_uid=f"helpline-channels-addresses-{name}",
            )
