from django.apps import AppConfig


class LibConfig(AppConfig):
    """Helpers with no models; an app for its management commands, its system checks
    (``checks.py``) and the cache table migration."""

    name = "helpline.lib"
    label = "helpline_lib"

    def ready(self) -> None:
        from helpline.lib import checks, security

        del checks  # imported for its @register
        security.connect_signals()
