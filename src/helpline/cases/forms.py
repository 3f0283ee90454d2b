"""Turning a form's uploads into the case services' file type (desk, portal)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile as DjangoUploadedFile
from django.utils.translation import gettext

from helpline.cases.services import UploadedFile
from helpline.lib.errors import FieldValidationError


def uploaded_files(files: Sequence[DjangoUploadedFile]) -> list[UploadedFile]:
    """Read uploads into the services' file type, refusing oversize files before reading
    them into memory (the service checks again; this only saves the memory)."""
    limit = settings.HELPLINE_MAX_ATTACHMENT_BYTES
    out = []
    for f in files:
        name = f.name or ""
        if f.size is not None and f.size > limit:
            raise FieldValidationError(
                attachments=gettext("“%(name)s” is %(size)d bytes; the limit is %(limit)d bytes.")
                % {"name": name, "size": f.size, "limit": limit}
            )
        out.append(
            UploadedFile(
                filename=name,
                content_type=f.content_type or "application/octet-stream",
                content=f.read(),
            )
        )
    return out
