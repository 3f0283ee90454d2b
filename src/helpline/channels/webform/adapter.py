"""The web form (and the case status page's "write to us") in front of the intake.

What the customer submitted is stored raw first (the fields as JSON, files base64-encoded),
so a submission that fails later is kept for an operator. A double click sends the same
bytes twice: de-duplicated to the same raw row and case. Abuse protection needs no outside
service: a honeypot field, hourly limits per client IP address and per e-mail address, and
size limits on text and files. The limits are the tenant's (``WebFormSettings``, read with
``channels.selectors.webform_settings``) within the installation's ceiling
(``HELPLINE_PORTAL_RATE_LIMIT_PER_HOUR`` per IP address over every tenant,
``HELPLINE_MAX_ATTACHMENT_BYTES`` per file): the stricter applies. Every limit is checked
before anything is stored.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from helpline.cases.choices import CaseType, Channel
from helpline.cases.models import Case, Subject, Topic
from helpline.cases.services import UploadedFile
from helpline.channels.intake import (
    Contact,
    IntakeItem,
    IntakeResult,
    dedupe_key_for,
    mark_failed,
    store_raw,
    take_in,
)
from helpline.channels.models import Inbound, InboundState
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, RateLimited
from helpline.tenancy.models import Organization

#: Longest description accepted from the public form.
MAX_TEXT = 5000
#: Most files per submission any tenant may allow (its own ``max_attachments`` applies).
MAX_FILES = 20
#: Consent purpose recorded for the privacy notice.
PRIVACY_PURPOSE = "privacy_notice"

__all__ = [
    "Limits",
    "RateLimited",
    "WebForm",
    "add_customer_message",
    "limits_for",
    "submit_web_form",
]


@dataclass(frozen=True)
class Limits:
    """What the web form of one tenant accepts: its settings within the installation's."""

    attachments_allowed: bool
    max_files: int
    max_file_bytes: int
    per_ip_per_hour: int  # the tenant's; 0: none (the installation's applies regardless)
    per_email_per_hour: int  # 0: none


def limits_for(org: Organization) -> Limits:
    """The tenant's web-form limits (the defaults when it saved none), capped by the
    installation's settings."""
    from helpline.channels.selectors import webform_settings

    row = webform_settings(org=org)
    return Limits(
        attachments_allowed=row.attachments_allowed and row.max_attachments > 0,
        max_files=min(row.max_attachments, MAX_FILES),
        max_file_bytes=min(row.max_attachment_bytes, settings.HELPLINE_MAX_ATTACHMENT_BYTES),
        per_ip_per_hour=row.max_per_ip_per_hour,
        per_email_per_hour=row.max_per_email_per_hour,
    )


@dataclass(frozen=True)
class WebForm:
    """A web-form submission as the view read it."""

    name: str
    email: str
    phone: str
    description: str
    topic_id: int | None = None
    subject_id: int | None = None
    title: str = ""
    location: str = ""
    asset_code: str = ""
    language: str = ""
    privacy_accepted: bool = False
    notice_version: str = ""
    honeypot: str = ""
    attachments: Sequence[UploadedFile] = field(default_factory=tuple)


def _validate(org: Organization, form: WebForm, limits: Limits) -> None:
    errors: dict[str, list[str]] = {}
    if form.honeypot.strip():
        errors["website"] = [_("This field must be left empty.")]
    if not form.name.strip():
        errors["name"] = [_("Please tell us your name.")]
    if not form.email.strip() and not form.phone.strip():
        errors["email"] = [_("Please give an e-mail address or a phone number.")]
    if not form.description.strip():
        errors["description"] = [_("Please describe your request.")]
    elif len(form.description) > MAX_TEXT:
        errors["description"] = [_("At most %(limit)d characters, please.") % {"limit": MAX_TEXT}]
    if not form.privacy_accepted:
        errors["privacy"] = [_("Please accept the privacy notice to send the form.")]
    if form.attachments and not limits.attachments_allowed:
        errors["attachments"] = [_("This form does not accept attachments.")]
    elif len(form.attachments) > limits.max_files:
        errors["attachments"] = [
            ngettext(
                "At most %(count)d file per submission, please.",
                "At most %(count)d files per submission, please.",
                limits.max_files,
            )
            % {"count": limits.max_files}
        ]
    limit = limits.max_file_bytes
    for f in form.attachments if limits.attachments_allowed else ():
        if len(f.content) > limit:
            errors.setdefault("attachments", []).append(
                _("“%(name)s” is larger than %(limit)d bytes.")
                % {"name": f.filename, "limit": limit}
            )
    if (
        form.topic_id is not None
        and not Topic.objects.filter(organization=org, pk=form.topic_id, is_active=True).exists()
    ):
        errors["topic"] = [_("Please choose a topic from the list.")]
    if (
        form.subject_id is not None
        and not Subject.objects.filter(
            organization=org, pk=form.subject_id, topic_id=form.topic_id or 0, is_active=True
        ).exists()
    ):
        errors["subject"] = [_("Please choose a subject of the chosen topic.")]
    if errors:
        raise FieldValidationError(errors)


def check_rate_limit(
    *,
    org: Organization,
    client_ip: str | None,
    now: datetime,
    email: str = "",
    limits: Limits | None = None,
) -> None:
    """Refuse a submission over an hourly limit: the installation's per client IP address
    (every tenant's forms count), the tenant's per IP address (its forms) and per e-mail
    address (its forms from that address). The first refusal of the hour for one tenant and
    kind is audited; nothing is stored for a refused submission."""
    from helpline.portal.models import FormSubmission

    limits = limits or limits_for(org)
    since = now - timedelta(hours=1)
    if client_ip:
        recent = FormSubmission.objects.filter(client_ip=client_ip, submitted_at__gte=since)
        ceiling = settings.HELPLINE_PORTAL_RATE_LIMIT_PER_HOUR
        if ceiling and recent.count() >= ceiling:
            _refuse(org, "web_form", client_ip, client_ip)
        own = limits.per_ip_per_hour
        stricter = own and (not ceiling or own < ceiling)
        if stricter and recent.filter(organization=org).count() >= own:
            _refuse(org, "web_form", client_ip, client_ip)
    email = email.strip().lower()
    if email and limits.per_email_per_hour:
        sent = Inbound.objects.filter(
            organization=org,
            sender=email,
            received_at__gte=since,
            channel=Channel.WEB,
            source="web",
        ).count()
        if sent >= limits.per_email_per_hour:
            _refuse(org, "web_form_email", client_ip, "email:" + email)


def _refuse(org: Organization, what: str, client_ip: str | None, key: str) -> None:
    from helpline.lib.security import record_refusal
    from helpline.lib.throttle import Limit

    if Limit("web_form_refused", 1).hit(f"{org.pk}:{key}") == 1:
        record_refusal(org_id=org.pk, instance=org, what=what, ip=client_ip)
    if what == "web_form_email":
        raise RateLimited(_("Too many requests from this e-mail address; please try again later."))
    raise RateLimited(_("Too many requests from your connection; please try again later."))


def _raw(form: WebForm, org: Organization) -> bytes:
    data = {
        "organization": org.slug,
        "name": form.name,
        "email": form.email,
        "phone": form.phone,
        "title": form.title,
        "description": form.description,
        "topic_id": form.topic_id,
        "subject_id": form.subject_id,
        "location": form.location,
        "asset_code": form.asset_code,
        "language": form.language,
        "privacy_accepted": form.privacy_accepted,
        "notice_version": form.notice_version,
        "attachments": [
            {
                "filename": f.filename,
                "content_type": f.content_type,
                "content": base64.b64encode(f.content).decode(),
            }
            for f in form.attachments
        ],
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()


def submit_web_form(
    *, org: Organization, form: WebForm, client_ip: str | None = None, now: datetime | None = None
) -> Case:
    """Validate, check the rate limit, store raw, then open the case (or return the case of
    an identical earlier submission). Raises FieldValidationError naming the field, or
    RateLimited. Nothing is stored for a refused submission: the limits come first."""
    from helpline.customers.gdpr import record_consent
    from helpline.portal.services import record_form_submission

    now = now or timezone.now()
    limits = limits_for(org)
    _validate(org, form, limits)
    raw = _raw(form, org)
    message_id = "web:" + hashlib.sha256(raw).hexdigest()
    # A double click sends the same bytes again: the case it opened, without counting it.
    done = (
        Inbound.objects.filter(organization=org, dedupe_key=dedupe_key_for(raw, message_id))
        .exclude(case=None)
        .values_list("case_id", flat=True)
        .first()
    )
    if done is not None:
        return Case.objects.get(pk=done, organization=org)
    check_rate_limit(org=org, client_ip=client_ip, now=now, email=form.email, limits=limits)
    row, new = store_raw(
        org=org,
        channel=Channel.WEB,
        source="web",
        raw=raw,
        message_id=message_id,
        sender=form.email.strip().lower() or form.phone.strip(),
        subject=form.title or form.description[:80],
        now=now,
    )
    if not new and row.case_id is not None:
        return Case.objects.get(pk=row.case_id, organization=org)
    title = form.title.strip()
    if not title and form.subject_id is not None:
        title = (
            Subject.objects.filter(pk=form.subject_id).values_list("name", flat=True).first() or ""
        )
    body = form.description.strip()
    if form.location.strip():
        body += "\n\n" + _("Location: %(location)s") % {"location": form.location.strip()}
    if form.asset_code:
        body += "\n" + _("Asset: %(code)s") % {"code": form.asset_code}
    subject = Subject.objects.filter(pk=form.subject_id).first() if form.subject_id else None
    item = IntakeItem(
        channel=Channel.WEB,
        contact=Contact(name=form.name, email=form.email, phone=form.phone, language=form.language),
        title=title or form.description.strip().splitlines()[0][:120],
        body=body,
        attachments=form.attachments,
        topic_id=form.topic_id,
        subject_id=form.subject_id,
        case_type=(
            subject.default_case_type
            if subject and subject.default_case_type
            else CaseType.INFORMATION
        ),
    )
    try:
        with transaction.atomic():
            result: IntakeResult = take_in(org=org, item=item, inbound=row, now=now)
            if result.customer is not None and form.notice_version:
                record_consent(
                    customer=result.customer,
                    actor=Actor.for_customer(result.customer),
                    purpose=PRIVACY_PURPOSE,
                    granted=True,
                    notice_version=form.notice_version,
                    channel=Channel.WEB,
                )
            record_form_submission(org=org, case=result.case, client_ip=client_ip, now=now)
    except FieldValidationError:
        raise
    except Exception as exc:
        mark_failed(inbound=row, error=f"{type(exc).__name__}: {exc}")
        raise
    return result.case


def add_customer_message(
    *, case: Case, body: str, attachments: Sequence[UploadedFile] = (), now: datetime | None = None
) -> None:
    """A customer's message from the case status page, through the intake (stored raw,
    then added to the case, reopening it if it was closed)."""
    body = (body or "").strip()
    if not body:
        raise FieldValidationError(body=_("The message is empty."))
    if len(body) > MAX_TEXT:
        raise FieldValidationError(
            body=_("At most %(limit)d characters, please.") % {"limit": MAX_TEXT}
        )
    now = now or timezone.now()
    raw = json.dumps({"case": case.pk, "body": body, "at": now.isoformat()}).encode()
    row, new = store_raw(
        org=case.organization, channel=Channel.WEB, source="status", raw=raw, now=now
    )
    if not new and row.state != InboundState.RECEIVED:
        return
    requester = case.requester
    item = IntakeItem(
        channel=Channel.WEB,
        contact=Contact(
            name=requester.name if requester else "",
            email=requester.email if requester else "",
            phone=requester.phone if requester else "",
        ),
        title=case.title,
        body=body,
        attachments=attachments,
        case_id=case.pk,
        is_reply=True,
        acknowledge=False,
    )
    take_in(org=case.organization, item=item, inbound=row, now=now)
