"""Request and response schemas of the customers API (``customers.api``)."""

from __future__ import annotations

from typing import Annotated

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, Field

from helpline.api.schemas import Id, UtcDatetime


def _language(value: str | None) -> str | None:
    codes = [code for code, _name in settings.LANGUAGES]
    if value and value not in codes:
        raise ValueError(
            _("Unknown language %(value)s; use one of %(codes)s.")
            % {"value": value, "codes": ", ".join(codes)}
        )
    return value


#: One of ``settings.LANGUAGES`` (``en``, ``pt-br``, ``it``, ``cs``) or empty.
Language = Annotated[str, AfterValidator(_language)]


class CustomerIn(Schema):
    """A new customer. The phone is stored in E.164 and the tax id is validated for the
    organisation's country (CPF/CNPJ, codice fiscale/partita IVA, rodné číslo/DIČ)."""

    name: str = Field(max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    tax_id: str = Field("", max_length=40)
    segment_id: Id | None = None
    language: Language = ""


class CustomerPatch(Schema):
    """The fields to change; fields left out keep their value."""

    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    tax_id: str | None = Field(None, max_length=40)
    segment_id: Id | None = None
    language: Language | None = None


class CustomerOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    tax_id: str
    tax_id_kind: str
    segment_id: int | None
    language: str
    created_at: UtcDatetime
    updated_at: UtcDatetime


class CustomerListOut(Schema):
    items: list[CustomerOut]


class CustomerFindQuery(Schema):
    tax_id: str = Field("", max_length=40, description="In any format (dots, dashes, spaces).")
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40, description="National or international format.")
