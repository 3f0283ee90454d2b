"""Who did something: a user, the system, or a customer. Recorded by audit and events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class ActorKind(models.TextChoices):
    USER = "user", _("User")
    SYSTEM = "system", _("System")
    CUSTOMER = "customer", _("Customer")


@dataclass(frozen=True)
class Actor:
    kind: str
    user_id: int | None = None
    customer_id: int | None = None
    label: str = ""

    @classmethod
    def for_user(cls, user: AbstractBaseUser | Any) -> Actor:
        return cls(kind=ActorKind.USER, user_id=user.pk, label=user.get_username())

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(kind=ActorKind.SYSTEM, label=label)

    @classmethod
    def for_customer(cls, customer: Any) -> Actor:
        return cls(kind=ActorKind.CUSTOMER, customer_id=customer.pk, label=str(customer))
