"""Form helpers shared by every screen that calls a service (desk, portal, settings)."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.utils.translation import gettext

from helpline.lib.errors import FieldValidationError


def add_service_errors(
    form: forms.Form, error: FieldValidationError, mapping: Mapping[str, str] | None = None
) -> None:
    """Show a service's field errors next to the matching form fields."""
    mapping = mapping or {}
    for field, messages in error.errors.items():
        target: str | None = mapping.get(field, field)
        if target not in form.fields:
            target = None
        for message in messages:
            if target is None:
                form.add_error(
                    None, gettext("%(field)s: %(message)s") % {"field": field, "message": message}
                )
            else:
                form.add_error(target, message)
