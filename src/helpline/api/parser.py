"""The API's JSON bodies: a JSON object, sent as ``application/json``.

ninja's own parser reads any JSON value, and its schemas read a list or a number as an
object with no fields (so an operation whose fields are all optional accepted ``[1, 2]``),
and it answers any other media type as unparseable (400). Here a body of another media type
is a 415 a JSON value that is not an object a 422 on ``["body"]``, and text with a NUL character
(in a body, a form or a query) a 422 on its field (``helpline.api.errors`` turns them into
responses).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser


class UnsupportedMediaType(Exception):
    """The body is not ``application/json`` (415)."""


class NulInText(Exception):
    """Text with a NUL character, which no text column can store (PostgreSQL refuses it):
    a 422 on the field (``loc``)."""

    def __init__(self, loc: list[Any]) -> None:
        super().__init__(loc)
        self.loc = loc


def _nul_at(value: Any) -> list[Any] | None:
    """Where in a JSON value (or a query's values) a string holds a NUL, if anywhere."""
    if isinstance(value, str):
        return [] if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return [key]
            found = _nul_at(item)
            if found is not None:
                return [key, *found]
    if isinstance(value, list):
        for n, item in enumerate(value):
            found = _nul_at(item)
            if found is not None:
                return [n, *found]
    return None


class BodyNotAnObject(Exception):
    """The body is JSON, but not an object (422 on ``["body"]``)."""

    def __init__(self, value: Any) -> None:
        super().__init__(type(value).__name__)
        self.value = value


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class JsonObjectParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        # ninja's multipart-body reader passes a bare request without a content type.
        if request.content_type is not None and not _is_json(request.content_type):
            raise UnsupportedMediaType(request.content_type)
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise BodyNotAnObject(data)
        where = _nul_at(data)
        if where is not None:
            raise NulInText(["body", *where])
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        source = "query" if data is request.GET else "body" if data is request.POST else None
        if source is not None:
            where = _nul_at(result)
            if where is not None:
                raise NulInText([source, *where])
        return result
