"""Request and response schemas of the customers API (``customers.api``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, Field, StrictBool

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
    notify_by: Literal["", "email", "sms", "none"] | None = Field(
        None, description="Progress notifications: '' automatic, email, sms or none (opt-out)."
    )


class CustomerOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    tax_id: str
    tax_id_kind: str
    segment_id: int | None
    language: str
    notify_by: str
    created_at: UtcDatetime
    updated_at: UtcDatetime


class CustomerListOut(Schema):
    items: list[CustomerOut]


class CustomerFindQuery(Schema):
    tax_id: str = Field("", max_length=40, description="In any format (dots, dashes, spaces).")
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40, description="National or international format.")


# --- customer 360 ----------------------------------------------------------------------


class IdentifierIn(Schema):
    value: str = Field(max_length=40, description="CPF, CNPJ, codice fiscale, P.IVA, RČ, IČO...")


class IdentifierOut(Schema):
    id: int
    kind: str
    value: str


class ContactIn(Schema):
    kind: str = Field(description="phone or email")
    value: str = Field(max_length=254)
    label: str = Field("", max_length=60)


class ContactOut(Schema):
    id: int
    kind: str
    value: str
    label: str


class AddressIn(Schema):
    street: str = Field(max_length=200)
    street_code: str = Field("", max_length=20)
    house_number: str = Field("", max_length=20)
    district: str = Field("", max_length=120)
    municipality: str = Field("", max_length=120)
    postcode: str = Field("", max_length=16)


class AddressOut(AddressIn):
    id: int


class AccountIn(Schema):
    """A new service account; ``identity_check_id`` is a passed check of this customer by
    the token's user, younger than ``HELPLINE_IDENTITY_CHECK_MINUTES``."""

    identity_check_id: Id
    account_number: str = Field(max_length=40)
    municipal_registration: str = Field("", max_length=40)
    meter_number: str = Field("", max_length=40)
    description: str = Field("", max_length=200)
    address_id: Id | None = None


class AccountPatch(Schema):
    identity_check_id: Id
    account_number: str | None = Field(None, max_length=40)
    municipal_registration: str | None = Field(None, max_length=40)
    meter_number: str | None = Field(None, max_length=40)
    description: str | None = Field(None, max_length=200)
    address_id: Id | None = None
    status: str | None = None


class AccountOut(Schema):
    id: int
    customer_id: int
    account_number: str
    municipal_registration: str
    meter_number: str
    description: str
    address_id: int | None
    status: str


class AssetIn(Schema):
    code: str = Field(max_length=40)
    kind: str = Field(max_length=40)
    description: str = Field("", max_length=200)
    location: str = Field("", max_length=200)
    customer_id: Id | None = None
    account_id: Id | None = None


class AssetOut(Schema):
    id: int
    code: str
    kind: str
    description: str
    location: str
    customer_id: int | None
    account_id: int | None


class DesignatedPersonIn(Schema):
    name: str = Field(max_length=200)
    role: str = Field("", max_length=80)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    may_use_reserved_line: StrictBool = False
    may_act_for_account: StrictBool = False


class DesignatedPersonOut(Schema):
    id: int
    name: str
    role: str
    phone: str
    email: str
    may_use_reserved_line: bool
    may_act_for_account: bool


class ConsentIn(Schema):
    purpose: str = Field(max_length=60)
    granted: StrictBool
    notice_version: str = Field(max_length=40)
    channel: str = Field("", max_length=16)


class ConsentOut(Schema):
    id: int
    purpose: str
    granted: bool
    notice_version: str
    channel: str
    recorded_at: UtcDatetime
    recorded_by: str


class CaseSummaryOut(Schema):
    id: int
    protocol_number: str
    channel: str
    status: str
    title: str
    created_at: UtcDatetime


class CustomerDetailOut(CustomerOut):
    kind: str
    security_question: str
    erased_at: UtcDatetime | None
    identifiers: list[IdentifierOut]
    contacts: list[ContactOut]
    addresses: list[AddressOut]
    accounts: list[AccountOut]
    assets: list[AssetOut]
    designated_persons: list[DesignatedPersonOut]
    consents: list[ConsentOut]
    cases: list[CaseSummaryOut]


class SecurityQuestionIn(Schema):
    question: str = Field(max_length=200)
    answer: str = Field(max_length=200)


class IdentityCheckIn(Schema):
    method: str = Field(description="question, email_code or sms_code")


class IdentityAnswerIn(Schema):
    answer: str = Field(max_length=200, description="The answer, or the code read back.")


class IdentityCheckOut(Schema):
    id: int
    customer_id: int
    method: str
    status: str
    attempts: int
    created_at: UtcDatetime
    expires_at: UtcDatetime
    verified_at: UtcDatetime | None


class SearchQuery(Schema):
    q: str = Field(min_length=1, max_length=200)
    limit: int = Field(20, ge=1, le=100)


class SearchCustomerOut(Schema):
    id: int
    name: str
    score: float
    reason: str
    highlighted: str = Field(description="The name as HTML, matched words in <mark>.")
    street: str


class SearchCaseOut(Schema):
    id: int
    protocol_number: str
    title: str


class SearchOut(Schema):
    cases: list[SearchCaseOut]
    customers: list[SearchCustomerOut]


class EraseIn(Schema):
    reason: str = Field("", max_length=200)


class RetentionIn(Schema):
    erase_inactive_after_days: int = Field(ge=30, le=36500)
    enabled: StrictBool = True


class RetentionOut(Schema):
    erase_inactive_after_days: int
    enabled: bool


class ImportRowOut(Schema):
    line: int
    status: str
    customer_id: int | None
    errors: dict[str, list[str]]


class ImportReportOut(Schema):
    dry_run: bool
    created: int
    updated: int
    failed: int
    ignored_columns: list[str]
    rows: list[ImportRowOut]


class AuditEntryOut(Schema):
    at: UtcDatetime
    actor_label: str
    action: str
    object_type: str
    object_repr: str
    changes: dict[str, Any]
