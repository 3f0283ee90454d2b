from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    """Written channels. Labelled ``helpline_channels``: ``channels`` is Django Channels'."""

    name = "helpline.channels"
    label = "helpline_channels"
    verbose_name = _("Written channels")
