"""The customers API: create, read, change, find by an exact identifier; the forgiving
search; customer 360 (identifiers, contacts, addresses, accounts, assets, designated
persons, history); identity checks; GDPR (consents, export, erasure, retention); import."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.params import P, PathEx

from helpline.api.auth import actor, allowed, org, writer_auth
from helpline.api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, ErrorOut
from helpline.customers import gdpr, identity, importer, selectors, services
from helpline.customers.schemas import (
    AccountIn,
    AccountOut,
    AccountPatch,
    AddressIn,
    AddressOut,
    AssetIn,
    AssetOut,
    AuditEntryOut,
    ConsentIn,
    ConsentOut,
    ContactIn,
    ContactOut,
    CustomerDetailOut,
    CustomerFindQuery,
    CustomerIn,
    CustomerListOut,
    CustomerOut,
    CustomerPatch,
    DesignatedPersonIn,
    DesignatedPersonOut,
    EraseIn,
    IdentifierIn,
    IdentifierOut,
    IdentityAnswerIn,
    IdentityCheckIn,
    IdentityCheckOut,
    ImportReportOut,
    RetentionIn,
    RetentionOut,
    SearchOut,
    SearchQuery,
    SecurityQuestionIn,
)
from helpline.customers.search import search
from helpline.lib.errors import FieldValidationError, NotFound
from helpline.tenancy.permissions import Action

router = Router(tags=["customers"])

RowId = PathEx[int, P(ge=1, le=MAX_ID)]

#: At most this many customers share an identifier in practice (a family phone, say).
FIND_LIMIT = 50


@router.post("/customers", auth=writer_auth, response={201: CustomerOut, **WRITE_ERRORS})
def create_customer(request: HttpRequest, payload: CustomerIn) -> Any:
    customer = services.create_customer(
        org=org(request), actor=actor(request), **payload.model_dump()
    )
    return Status(201, customer)


@router.get("/customers", response={200: CustomerListOut, **READ_ERRORS})
def find_customers(request: HttpRequest, query: Query[CustomerFindQuery]) -> Any:
    """Customers with exactly this identifier: give one of ``tax_id``, ``email``, ``phone``
    (if several are given, the first in that order is used)."""
    if not (query.tax_id.strip() or query.email.strip() or query.phone.strip()):
        raise FieldValidationError(tax_id=_("Give one of tax_id, email or phone."))
    found = selectors.find_customers_by_identifier(
        org=org(request), tax_id=query.tax_id, email=query.email, phone=query.phone
    )
    return {"items": found.order_by("name", "id")[:FIND_LIMIT]}


# --- customer 360, search, identity checks, GDPR, import ---------------------------------


@router.get("/customers/search", response={200: SearchOut, **READ_ERRORS})
def search_customers(request: HttpRequest, query: Query[SearchQuery]) -> Any:
    """The desk's search box: protocol number, account/meter number, tax id, phone, e-mail,
    asset code, or names and streets with typos and phonetic variants."""
    result = search(org=org(request), text=query.q, limit=query.limit)
    return {
        "cases": [
            {"id": c.pk, "protocol_number": c.protocol_number, "title": c.title}
            for c in result.cases
        ],
        "customers": [
            {
                "id": h.customer.pk,
                "name": h.customer.name,
                "score": h.score,
                "reason": h.reason,
                "highlighted": str(h.highlighted),
                "street": h.street,
            }
            for h in result.customers
        ],
    }


@router.get("/customers/{customer_id}/360", response={200: CustomerDetailOut, **READ_ERRORS})
def customer_detail(request: HttpRequest, customer_id: RowId) -> Any:
    """Everything about a customer: identifiers, contacts, addresses, accounts, assets,
    designated persons, consents (newest first) and cases (newest first)."""
    customer = selectors.customer_360(org=org(request), customer_id=customer_id)
    customer.cases_list = list(selectors.cases_of(org=org(request), customer=customer)[:200])  # type: ignore[attr-defined]
    return _detail(customer)


def _detail(c: Any) -> dict[str, Any]:
    out = CustomerOut.model_validate(c).model_dump()
    out.update(
        kind=c.kind,
        security_question=c.security_question,
        erased_at=c.erased_at,
        identifiers=list(c.identifiers.all()),
        contacts=list(c.contacts.all()),
        addresses=list(c.addresses.all()),
        accounts=list(c.accounts.all()),
        assets=list(c.assets.all()),
        designated_persons=list(c.designated_persons.all()),
        consents=list(c.consents.all()),
        cases=getattr(c, "cases_list", []),
    )
    return out


@router.get("/customers/{customer_id}/history", response={200: list[AuditEntryOut], **READ_ERRORS})
def customer_history(request: HttpRequest, customer_id: RowId) -> Any:
    """The audit log of the customer and what hangs off it, newest first, with the operator."""
    customer = selectors.get_customer(org=org(request), customer_id=customer_id)
    return list(selectors.history_of(org=org(request), customer=customer)[:500])


@router.post(
    "/customers/{customer_id}/identifiers",
    auth=writer_auth,
    response={201: IdentifierOut, **WRITE_ERRORS},
)
def add_identifier(request: HttpRequest, customer_id: RowId, payload: IdentifierIn) -> Any:
    customer = selectors.get_customer(org=org(request), customer_id=customer_id)
    return Status(
        201, services.add_identifier(customer=customer, actor=actor(request), value=payload.value)
    )


@router.post(
    "/customers/{customer_id}/contacts",
    auth=writer_auth,
    response={201: ContactOut, **WRITE_ERRORS},
)
def add_contact(request: HttpRequest, customer_id: RowId, payload: ContactIn) -> Any:
    customer = selectors.get_customer(org=org(request), customer_id=customer_id)
    return Status(
        201, services.add_contact(customer=customer, actor=actor(request), **payload.model_dump())
    )


@router.post(
    "/customers/{customer_id}/addresses",
    auth=writer_auth,
    response={201: AddressOut, **WRITE_ERRORS},
)
def add_address(request: HttpRequest, customer_id: RowId, payload: AddressIn) -> Any:
    customer = selectors.get_customer(org=org(request), customer_id=customer_id)
    return Status(
        201, services.add_address(customer=customer, actor=actor(request), **payload.model_dump())
    )


@router.post(
    "/customers/{customer_id}/designated-persons",
    auth=writer_auth,
    response={201: DesignatedPersonOut, **WRITE_ERRORS},
)
def add_designated_person(
    request: HttpRequest, customer_id: RowId, payload: DesignatedPersonIn
) -> Any:
    customer = selectors.get_customer(org=org(request), customer_id=customer_id)
    person = services.add_designated_person(
        customer=customer, actor=actor(request), **payload.model_dump()
    )
    return Status(201, person)


@router.put(
    "/customers/{customer_id}/security-question",
    auth=writer_auth,
    response={204: None, **WRITE_ERRORS},
)
def set_security_question(
    request: HttpRequest, customer_id: RowId, payload: SecurityQuestionIn
) -> Any:
    """Set the question and its answer (stored hashed, never returned)."""
    customer = selectors.get_customer(org=org(request), customer_id=customer_id)
    services.set_security_question(
        customer=customer, actor=actor(request), question=payload.question, answer=payload.answer
    )
    return Status(204, None)


@router.post(
    "/customers/{customer_id}/identity-checks",
    auth=writer_auth,
    response={201: IdentityCheckOut, **WRITE_ERRORS},
)
def start_identity_check(request: HttpRequest, customer_id: RowId, payload: IdentityCheckIn) -> Any:
    """Start a check: ``question`` (ask the customer's security question), ``email_code`` or
    ``sms_code`` (a six-digit code is sent to the customer's primary e-mail or phone)."""
    customer = selectors.get_customer(org=org(request), customer_id=customer_id)
    check = identity.start_identity_check(
        customer=customer, actor=actor(request), method=payload.method
    )
    return Status(201, check)


@router.post(
    "/identity-checks/{check_id}/verify",
    auth=writer_auth,
    response={200: IdentityCheckOut, 409: ErrorOut, **WRITE_ERRORS},
)
def verify_identity_check(request: HttpRequest, check_id: RowId, payload: IdentityAnswerIn) -> Any:
    """Record the answer or the code the customer read back: the check passes or counts a
    failed attempt (three fail it)."""
    check = selectors.get_identity_check(org=org(request), check_id=check_id)
    return identity.verify_identity_check(check=check, actor=actor(request), answer=payload.answer)


@router.post(
    "/customers/{customer_id}/accounts",
    auth=writer_auth,
    response={201: AccountOut, **WRITE_ERRORS},
)
def create_account(request: HttpRequest, customer_id: RowId, payload: AccountIn) -> Any:
    """Open a service account (403 without a valid identity check)."""
    customer = selectors.get_customer(org=org(request), customer_id=customer_id)
    data = payload.model_dump()
    check = selectors.get_identity_check(org=org(request), check_id=data.pop("identity_check_id"))
    account = services.create_account(
        customer=customer, actor=actor(request), identity_check=check, **data
    )
    return Status(201, account)


@router.patch(
    "/accounts/{account_id}", auth=writer_auth, response={200: AccountOut, **WRITE_ERRORS}
)
def update_account(request: HttpRequest, account_id: RowId, payload: AccountPatch) -> Any:
    """Change an account's fields (403 without a valid identity check)."""
    account = selectors.get_account(org=org(request), account_id=account_id)
    data = payload.model_dump(exclude_unset=True)
    check = selectors.get_identity_check(org=org(request), check_id=data.pop("identity_check_id"))
    return services.update_account(
        account=account, actor=actor(request), identity_check=check, **data
    )


@router.post("/assets", auth=writer_auth, response={201: AssetOut, **WRITE_ERRORS})
def create_asset(request: HttpRequest, payload: AssetIn) -> Any:
    return Status(
        201, services.create_asset(org=org(request), actor=actor(request), **payload.model_dump())
    )


@router.get("/assets/{code}", response={200: AssetOut, **READ_ERRORS})
def get_asset(request: HttpRequest, code: str) -> Any:
    """An asset by its code (case ignored)."""
    asset = selectors.asset_by_code(org=org(request), code=code[:40])
    if asset is None:
        raise NotFound(_("No such asset."))
    return asset


@router.post(
    "/customers/{customer_id}/consents",
    auth=writer_auth,
    response={201: ConsentOut, **WRITE_ERRORS},
)
def record_consent(request: HttpRequest, customer_id: RowId, payload: ConsentIn) -> Any:
    """Record a consent given or withdrawn, with the privacy notice's version."""
    customer = selectors.get_customer(org=org(request), customer_id=customer_id)
    consent = gdpr.record_consent(customer=customer, actor=actor(request), **payload.model_dump())
    return Status(201, consent)


@router.get(
    "/customers/{customer_id}/export",
    auth=allowed(Action.EXPORT_CUSTOMERS),
    response={200: dict[str, Any], 403: ErrorOut, **READ_ERRORS},
)
def export_customer(request: HttpRequest, customer_id: RowId) -> Any:
    """Everything held about the customer (GDPR access and portability), as JSON."""
    return gdpr.export_data(org=org(request), customer_id=customer_id)


@router.get(
    "/customers/{customer_id}/export.pdf",
    auth=allowed(Action.EXPORT_CUSTOMERS),
    response={200: None, 403: ErrorOut, **READ_ERRORS},
)
def export_customer_pdf(request: HttpRequest, customer_id: RowId) -> Any:
    """The same export as a PDF document."""
    data = gdpr.export_data(org=org(request), customer_id=customer_id)
    response = HttpResponse(gdpr.export_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="customer-{customer_id}.pdf"'
    return response


@router.post(
    "/customers/{customer_id}/erase",
    auth=allowed(Action.ERASE_CUSTOMERS),
    response={200: CustomerOut, 409: ErrorOut, **WRITE_ERRORS},
)
def erase_customer(request: HttpRequest, customer_id: RowId, payload: EraseIn) -> Any:
    """Erase by pseudonymisation (409 while the customer has open cases)."""
    customer = selectors.get_customer(org=org(request), customer_id=customer_id)
    return gdpr.erase_customer(customer=customer, actor=actor(request), reason=payload.reason)


@router.get("/retention-policy", response={200: RetentionOut, **READ_ERRORS})
def get_retention_policy(request: HttpRequest) -> Any:
    policy = selectors.retention_policy_for(org=org(request))
    if policy is None:
        raise NotFound(_("No retention policy."))
    return policy


@router.put(
    "/retention-policy",
    auth=allowed(Action.CHANGE_RETENTION),
    response={200: RetentionOut, **WRITE_ERRORS},
)
def set_retention_policy(request: HttpRequest, payload: RetentionIn) -> Any:
    return gdpr.set_retention_policy(org=org(request), actor=actor(request), **payload.model_dump())


@router.post(
    "/customers/import",
    auth=allowed(Action.IMPORT_CUSTOMERS),
    response={200: ImportReportOut, **WRITE_ERRORS},
)
def import_customers(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = True
) -> Any:
    """Import customers, addresses, accounts and assets from CSV or XLSX (multipart
    ``file``). ``dry_run`` (default true) reports without writing; bad rows are reported
    with their reasons, good rows imported whole."""
    report = importer.import_customers(
        org=org(request),
        actor=actor(request),
        content=file.read(),
        filename=file.name or "",
        dry_run=dry_run,
    )
    return {
        "dry_run": report.dry_run,
        "created": report.created,
        "updated": report.updated,
        "failed": report.failed,
        "ignored_columns": report.ignored_columns,
        "rows": [r.__dict__ for r in report.rows],
    }


@router.get("/customers/{customer_id}", response={200: CustomerOut, **READ_ERRORS})
def get_customer(request: HttpRequest, customer_id: RowId) -> Any:
    return selectors.get_customer(org=org(request), customer_id=customer_id)


@router.patch(
    "/customers/{customer_id}", auth=writer_auth, response={200: CustomerOut, **WRITE_ERRORS}
)
def update_customer(request: HttpRequest, customer_id: RowId, payload: CustomerPatch) -> Any:
    """Change the fields given; the others keep their value."""
    customer = selectors.get_customer(org=org(request), customer_id=customer_id)
    return services.update_customer(
        customer=customer, actor=actor(request), **payload.model_dump(exclude_unset=True)
    )
