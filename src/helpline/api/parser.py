"""The API's JSON bodies: a JSON object, sent as ``application/json``.

ninja's own parser reads any JSON value, and its schemas read a list or a number as an
object with no fields (so an operation whose fields are all optional accepted ``[1, 2]``),
and it answers any other media type as unparseable (400). Here a body of another media type
is a 415 and a JSON value that is not an object a 422 on ``["body"]``
(``helpline.api.errors`` turns both into responses).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser


class UnsupportedMediaType(Exception):
    """The body is not ``application/json`` (415)."""


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
        if not _is_json(request.content_type):
            raise UnsupportedMediaType(request.content_type)
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise BodyNotAnObject(data)
        return data
