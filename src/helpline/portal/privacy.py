"""Writes of privacy notices: drafts, edits of drafts, publication. Audited; a published
version is never changed (a consent names the version that was accepted), so changing the
wording means a new version."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpline.audit import services as audit
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, IllegalTransition
from helpline.portal.models import PrivacyNotice
from helpline.tenancy.models import Organization

NOTICE_FIELDS = ("channel", "language", "version", "text", "published_at")


@dataclass
class NoticeData:
    version: str
    text: str
    channel: str = ""
    language: str = ""


def _apply(notice: PrivacyNotice, data: NoticeData) -> None:
    notice.version = data.version.strip()
    notice.text = data.text.strip()
    notice.channel = data.channel
    notice.language = data.language
    errors: dict[str, list[str]] = {}
    try:
        notice.full_clean(exclude=["organization"])
    except ValidationError as exc:
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    clash = (
        PrivacyNotice.objects.filter(
            organization_id=notice.organization_id,
            channel=notice.channel,
            language=notice.language,
            version=notice.version,
        )
        .exclude(pk=notice.pk)
        .exists()
    )
    if clash:
        errors.setdefault("version", []).append(
            _("This channel and language already have a version with this name.")
        )
    if errors:
        raise FieldValidationError(errors)


@transaction.atomic
def create_notice(*, org: Organization, actor: Actor, data: NoticeData) -> PrivacyNotice:
    """A new draft version (not shown anywhere until it is published)."""
    notice = PrivacyNotice(organization=org)
    _apply(notice, data)
    notice.save()
    audit.record_create(org_id=org.pk, actor=actor, instance=notice, fields=NOTICE_FIELDS)
    return notice


@transaction.atomic
def update_notice(*, notice: PrivacyNotice, actor: Actor, data: NoticeData) -> PrivacyNotice:
    """Change a draft; a published version is refused."""
    locked = PrivacyNotice.objects.select_for_update().get(pk=notice.pk)
    if locked.published_at is not None:
        raise IllegalTransition(
            _("A published version cannot be changed: write a new version instead.")
        )
    before = audit.snapshot(locked, NOTICE_FIELDS)
    _apply(locked, data)
    locked.save()
    audit.record_update(org_id=locked.organization_id, actor=actor, instance=locked, before=before)
    return locked


@transaction.atomic
def publish_notice(*, notice: PrivacyNotice, actor: Actor) -> PrivacyNotice:
    """Publish a draft: from now on it is the current notice of its channel and language."""
    locked = PrivacyNotice.objects.select_for_update().get(pk=notice.pk)
    if locked.published_at is not None:
        raise IllegalTransition(_("This version is already published."))
    before = audit.snapshot(locked, NOTICE_FIELDS)
    locked.published_at = timezone.now()
    locked.save(update_fields=["published_at"])
    audit.record_update(org_id=locked.organization_id, actor=actor, instance=locked, before=before)
    return locked


@transaction.atomic
def delete_notice(*, notice: PrivacyNotice, actor: Actor) -> None:
    """Delete a draft; a published version stays (consents name it)."""
    locked = PrivacyNotice.objects.select_for_update().get(pk=notice.pk)
    if locked.published_at is not None:
        raise IllegalTransition(_("A published version cannot be deleted."))
    audit.record_delete(
        org_id=locked.organization_id, actor=actor, instance=locked, fields=NOTICE_FIELDS
    )
    locked.delete()
