"""Domain errors raised by services and selectors.

The API and the desk translate them to HTTP: ``FieldValidationError`` -> 422 with the field
named, ``NotFound`` -> 404 (also for other tenants' objects, so nothing leaks),
``IllegalTransition`` -> 409, ``Forbidden`` -> 403, ``RateLimited`` -> 429.
"""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    status_code = 400

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = str(message)


class FieldValidationError(DomainError):
    """Input was rejected; ``errors`` maps each offending field to its messages."""

    status_code = 422

    def __init__(
        self, errors: dict[str, list[str]] | None = None, /, **fields: str | Promise
    ) -> None:
        merged: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        for field, msg in fields.items():
            merged.setdefault(field, []).append(str(msg))
        self.errors = merged
        super().__init__("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in merged.items()))


class NotFound(DomainError):
    status_code = 404


class IllegalTransition(DomainError):
    status_code = 409


class Forbidden(DomainError):
    status_code = 403


class RateLimited(DomainError):
    """Too many attempts in the window (a throttle): try again later."""

    status_code = 429
