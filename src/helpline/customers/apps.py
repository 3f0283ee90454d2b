from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "helpline.customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        connection_created.connect(_trigram_threshold, dispatch_uid="customers_trgm_threshold")


def _trigram_threshold(sender: Any, connection: Any, **kwargs: Any) -> None:
    """The search's trigram threshold for ``%`` on every new PostgreSQL session (pg_trgm's
    default is 0.3), so that the search costs no extra round trip. Set in autocommit, before
    any transaction, so no rollback undoes it."""
    if connection.vendor == "postgresql":
        from helpline.customers.search import TRIGRAM_SIMILARITY

        with connection.cursor() as cursor:
            cursor.execute(f"SET pg_trgm.similarity_threshold = {TRIGRAM_SIMILARITY - 0.01}")
