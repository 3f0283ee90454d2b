"""The SMS port: one-time codes (and later notifications) leave through an adapter chosen by
``settings.HELPLINE_SMS_BACKEND``, so no provider's SDK reaches the domain code.

``InMemorySms`` keeps what it "sends" in ``outbox`` (tests, development); a provider
adapter implements ``send`` with its HTTP API and is named in the setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class SmsPort(Protocol):
    def send(self, *, to: str, body: str) -> None:
        """Send ``body`` to the E.164 number ``to``; raise on failure."""


class InMemorySms:
    """Keeps messages in a class-level list (shared by every instance in the process)."""

    outbox: ClassVar[list[SmsMessage]] = []

    def send(self, *, to: str, body: str) -> None:
        self.outbox.append(SmsMessage(to=to, body=body))


def sms_backend() -> SmsPort:
    path = getattr(settings, "HELPLINE_SMS_BACKEND", "helpline.customers.sms.InMemorySms")
    backend: SmsPort = import_string(path)()
    return backend
