"""Validation and normalisation of phone numbers and tax identifiers.

Phones are stored in E.164 (``phonenumbers``), parsed in the tenant's country when they have
no international prefix. Tax identifiers are validated with ``python-stdnum`` against the
formats that the tenant's country uses, and stored compact (no dots, dashes or spaces).
"""

from __future__ import annotations

from types import ModuleType

import phonenumbers
from django.utils.translation import gettext as _
from stdnum.br import cnpj, cpf
from stdnum.cz import dic, rc
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale, iva

#: Tax identifier kinds accepted per country, tried in order.
TAX_ID_KINDS: dict[str, list[tuple[str, ModuleType]]] = {
    "BR": [("br.cpf", cpf), ("br.cnpj", cnpj)],
    "IT": [("it.codicefiscale", codicefiscale), ("it.iva", iva)],
    "CZ": [("cz.rc", rc), ("cz.dic", dic)],
}


def normalise_phone(value: str, country: str) -> str:
    """Return ``value`` in E.164 or raise ValueError with a message for the user."""
    try:
        number = phonenumbers.parse(value, country)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(_("Not a phone number: %(value)s") % {"value": value}) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_("Not a valid phone number: %(value)s") % {"value": value})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_tax_id(value: str, country: str) -> tuple[str, str]:
    """Return ``(kind, compact value)`` for a tax id valid in ``country``.

    Raises ValueError naming the formats tried when none accepts the value.
    """
    kinds = TAX_ID_KINDS.get(country.upper())
    if not kinds:
        compact = "".join(ch for ch in value if ch.isalnum()).upper()
        if not compact:
            raise ValueError(_("The tax identifier is empty."))
        return f"{country.lower()}.other", compact
    for kind, module in kinds:
        try:
            return kind, module.validate(value)
        except StdnumError:
            continue
    names = ", ".join(kind for kind, _m in kinds)
    raise ValueError(
        _("Not a valid tax identifier for %(country)s (tried %(kinds)s): %(value)s")
        % {"country": country.upper(), "kinds": names, "value": value}
    )


def compact_tax_id(value: str) -> str:
    """The lookup form of a tax id typed in any format (for exact-match search)."""
    return "".join(ch for ch in value if ch.isalnum()).upper()
