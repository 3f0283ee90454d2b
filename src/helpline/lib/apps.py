from django.apps import AppConfig


class LibConfig(AppConfig):
    """Helpers with no models; an app only so that its management commands are found."""

    name = "helpline.lib"
    label = "helpline_lib"
