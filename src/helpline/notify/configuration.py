"""Writes of a tenant's mail templates (per kind and language) and their preview.

A wording that Django's template engine cannot compile is refused with the field named, so
an acknowledgement never fails at sending time. The preview renders with sample case data
through the very function the outbox uses (``services.render_source``): plain text, never
HTML-escaped.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template import TemplateSyntaxError
from django.utils import translation
from django.utils.translation import gettext as _

from helpline.audit import services as audit
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, NotFound
from helpline.notify import services
from helpline.notify.models import MailTemplate, TemplateKind
from helpline.tenancy.models import Organization

TEMPLATE_FIELDS = ("kind", "language", "subject", "body")


@dataclass
class TemplateData:
    kind: str
    language: str
    subject: str
    body: str


def _validate(data: TemplateData) -> None:
    errors: dict[str, list[str]] = {}
    if data.kind not in TemplateKind.values:
        errors["kind"] = [_("Choose one of the listed values.")]
    if data.language not in {code for code, _name in settings.LANGUAGES}:
        errors["language"] = [_("Choose one of the listed values.")]
    for name, limit in (("subject", 200), ("body", 20000)):
        value = getattr(data, name)
        if not value.strip():
            errors.setdefault(name, []).append(_("This field is required."))
        elif len(value) > limit:
            errors.setdefault(name, []).append(
                _("At most %(limit)d characters, please.") % {"limit": limit}
            )
        else:
            try:
                services._compiled(value)
            except TemplateSyntaxError as exc:
                errors.setdefault(name, []).append(
                    _("The template cannot be read: %(error)s") % {"error": exc}
                )
    if errors:
        raise FieldValidationError(errors)


def templates_for(*, org: Organization) -> dict[tuple[str, str], MailTemplate]:
    """The tenant's templates by (kind, language)."""
    return {(t.kind, t.language): t for t in MailTemplate.objects.filter(organization=org)}


def get_template(*, org: Organization, kind: str, language: str) -> MailTemplate | None:
    if kind not in TemplateKind.values or language not in {c for c, _n in settings.LANGUAGES}:
        raise NotFound(_("No such mail template."))
    return MailTemplate.objects.filter(organization=org, kind=kind, language=language).first()


def default_wording(*, kind: str, language: str) -> tuple[str, str]:
    """The built-in (subject, body) of ``kind`` in ``language``: where an edit starts."""
    with translation.override(language):
        return services._default_template(kind)


@transaction.atomic
def save_template(*, org: Organization, actor: Actor, data: TemplateData) -> MailTemplate:
    """Create or change the tenant's wording of one kind of mail in one language."""
    _validate(data)
    row = (
        MailTemplate.objects.select_for_update()
        .filter(organization=org, kind=data.kind, language=data.language)
        .first()
    )
    if row is None:
        row = MailTemplate.objects.create(
            organization=org,
            kind=data.kind,
            language=data.language,
            subject=data.subject,
            body=data.body,
        )
        audit.record_create(org_id=org.pk, actor=actor, instance=row, fields=TEMPLATE_FIELDS)
        return row
    before = audit.snapshot(row, TEMPLATE_FIELDS)
    row.subject, row.body = data.subject, data.body
    row.save(update_fields=["subject", "body"])
    audit.record_update(org_id=org.pk, actor=actor, instance=row, before=before)
    return row


@transaction.atomic
def delete_template(*, template: MailTemplate, actor: Actor) -> None:
    """Back to the built-in wording."""
    audit.record_delete(
        org_id=template.organization_id, actor=actor, instance=template, fields=TEMPLATE_FIELDS
    )
    template.delete()


def preview(*, org: Organization, data: TemplateData) -> tuple[str, str]:
    """(subject, text) of the wording rendered with a sample case, in its language."""
    _validate(data)
    with translation.override(data.language):
        values = {
            "protocol": f"{org.protocol_prefix or 'HLP'}-2026-0000042",
            "title": _("Broken street lamp in Main Street"),
            "name": "Maria O'Brien & Sons <maria@example.org>",
            "organization": org.name,
            "status_url": f"{settings.HELPLINE_PUBLIC_URL.rstrip('/')}/{org.slug}/status/…/",
            "privacy_url": services.privacy_url(org.slug, data.language),
            "body": _("Thank you: a technician will visit on Monday morning."),
        }
        return services.render_source(
            subject_src=data.subject, body_src=data.body, values=values, kind=data.kind
        )
