"""One error format for the whole API.

Every error body is ``{"detail": ...}``. Validation errors (ninja's own, from the request
schemas, and ``FieldValidationError`` raised by services) are 422 with
``{"detail": [{"loc": [source, field], "msg": ..., "type": ...}, ...]}``, where ``source`` is
``query``, ``path`` or ``body`` (a multipart form is the body too) and ``field`` is the name
the client sent. Other domain errors carry a message: ``{"detail": "No such case."}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import HttpError, ValidationError

from helpline.api.parser import BodyNotAnObject, NulInText, UnsupportedMediaType
from helpline.lib.errors import DomainError, FieldValidationError

if TYPE_CHECKING:
    from ninja import NinjaAPI

#: Handlers name their JSON body parameter ``payload`` and their query schema parameter
#: ``query``; clients never see those names in an error's ``loc``.
SCHEMA_PARAMS = {"body": "payload", "query": "query"}

#: Services name references by the model field (``topic``); the API by its id (``topic_id``).
API_FIELD_NAMES = {
    "topic": "topic_id",
    "subject": "subject_id",
    "requester": "requester_id",
    "assignee": "assignee_id",
    "related_case": "related_case_id",
    "queue": "queue_id",
    "segment": "segment_id",
}

#: ninja's parameter sources, as clients see them.
_SOURCES = {"form": "body", "file": "body"}


def _source(request: HttpRequest) -> str:
    return "query" if request.method in ("GET", "HEAD") else "body"


def field_errors(request: HttpRequest, exc: FieldValidationError) -> list[dict[str, Any]]:
    """The 422 items for a service's field errors, one per message."""
    source = _source(request)
    return [
        {"loc": [source, API_FIELD_NAMES.get(field, field)], "msg": msg, "type": "value_error"}
        for field, messages in exc.errors.items()
        for msg in messages
    ]


def normalise_loc(loc: tuple[Any, ...] | list[Any]) -> list[Any]:
    """ninja says ``["body", "payload", "title"]``, ``["query", "query", "status", 0]`` or
    ``["form", "direction"]``; clients get ``["body", "title"]``, ``["query", "status", 0]``
    and ``["body", "direction"]``."""
    parts = list(loc)
    if not parts:
        return parts
    parts[0] = _SOURCES.get(parts[0], parts[0])
    if len(parts) > 2 and parts[1] == SCHEMA_PARAMS.get(parts[0]):
        del parts[1]
    return parts


def nul_in_text(api: NinjaAPI, request: HttpRequest, exc: NulInText) -> HttpResponse:
    """422 on the field whose text holds a NUL character (no text column can store one)."""
    item = {"loc": exc.loc, "msg": _("Text may not contain NUL characters."), "type": "value_error"}
    return api.create_response(request, {"detail": [item]}, status=422)


def install(api: NinjaAPI) -> None:
    """Register the handlers that turn domain errors into HTTP responses."""

    @api.exception_handler(ValidationError)
    def _ninja_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        detail = [{**err, "loc": normalise_loc(err.get("loc", ()))} for err in exc.errors]
        return api.create_response(request, {"detail": detail}, status=422)

    @api.exception_handler(FieldValidationError)
    def _field_validation(request: HttpRequest, exc: FieldValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": field_errors(request, exc)}, status=422)

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja answers every body its parser refuses with a 400 "Cannot parse request
        # body"; the parser's reason (``helpline.api.parser``) says more.
        if isinstance(exc.__cause__, UnsupportedMediaType):
            msg = _("Send the body as application/json.")
            return api.create_response(request, {"detail": msg}, status=415)
        if isinstance(exc.__cause__, NulInText):
            return nul_in_text(api, request, exc.__cause__)
        if isinstance(exc.__cause__, BodyNotAnObject):
            item = {
                "loc": ["body"],
                "msg": _("The body must be a JSON object."),
                "type": "model_type",
            }
            return api.create_response(request, {"detail": [item]}, status=422)
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    @api.exception_handler(NulInText)
    def _nul(request: HttpRequest, exc: NulInText) -> HttpResponse:
        return nul_in_text(api, request, exc)

    @api.exception_handler(DomainError)
    def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        # NotFound -> 404, IllegalTransition -> 409, Forbidden -> 403 (status on the class).
        return api.create_response(request, {"detail": exc.message}, status=exc.status_code)
