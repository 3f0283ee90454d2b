"""The customers API: create, read, change, and find by an exact identifier."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.params import P, PathEx

from helpline.api.auth import actor, org, writer_auth
from helpline.api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS
from helpline.customers import selectors, services
from helpline.customers.schemas import (
    CustomerFindQuery,
    CustomerIn,
    CustomerListOut,
    CustomerOut,
    CustomerPatch,
)
from helpline.lib.errors import FieldValidationError

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
