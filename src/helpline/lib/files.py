"""Handing out stored files after the caller's permission was checked.

Files are never served by path (no public ``/media/``): a view that has checked the reader
calls ``file_response``. ``HELPLINE_MEDIA_SERVE`` picks how the bytes go out: streamed by
Django (default), or handed to the reverse proxy with ``X-Accel-Redirect`` (nginx) or
``X-Sendfile`` (Apache, Caddy) naming an *internal* location under
``HELPLINE_MEDIA_INTERNAL_URL`` that the proxy maps to ``MEDIA_ROOT`` and refuses from outside.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header


def file_response(
    *, name: str, open_file: Callable[[], IO[bytes]], filename: str, content_type: str
) -> HttpResponseBase:
    """The download of the stored file ``name`` (a storage name under MEDIA_ROOT)."""
    mode = settings.HELPLINE_MEDIA_SERVE
    if mode in ("x-accel-redirect", "x-sendfile"):
        response = HttpResponse(content_type=content_type or "application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(True, filename) or ""
        if mode == "x-accel-redirect":
            internal = settings.HELPLINE_MEDIA_INTERNAL_URL.rstrip("/") + "/"
            response["X-Accel-Redirect"] = internal + quote(name)
        else:
            response["X-Sendfile"] = str(settings.MEDIA_ROOT / name)
        return response
    return FileResponse(
        open_file(), as_attachment=True, filename=filename, content_type=content_type
    )
