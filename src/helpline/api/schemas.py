"""Types and schemas shared by every router."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

#: Largest id a database row can have (signed 64 bits); larger ones would overflow the query.
MAX_ID = 2**63 - 1


def _not_a_boolean(value: Any) -> Any:
    # pydantic reads ``true`` as the integer 1; an id is never a boolean.
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


#: A row id in a request body or query.
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_not_a_boolean)]


def _utc(value: datetime) -> datetime:
    # Naive input is read as UTC; output is always UTC so clients never guess a zone.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


#: A timezone-aware UTC datetime (ISO 8601 with ``Z`` in responses).
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


#: A wall-clock time of day without a zone (a calendar's opening hours, in the calendar's
#: zone), ``08:00`` or ``08:00:00``. Not OpenAPI's ``time`` format, which needs an offset.
WallClockTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "format": "partial-time",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
            "example": "08:00",
        }
    ),
]


class ErrorOut(Schema):
    """``{"detail": "No such case."}``"""

    detail: str


class FieldErrorOut(Schema):
    loc: list[Any]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    """422: one item per problem, ``loc`` = ``[source, field]``."""

    detail: list[FieldErrorOut]


#: Error responses that every authenticated endpoint may give.
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 403: ErrorOut}
