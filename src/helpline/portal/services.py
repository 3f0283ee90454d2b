"""Writes of the portal's own records (the web form's intake itself is
``channels.webform.adapter``, which calls these)."""

from __future__ import annotations

from datetime import datetime

from helpline.cases.models import Case
from helpline.portal.models import FormSubmission
from helpline.tenancy.models import Organization


def record_form_submission(
    *, org: Organization, case: Case, client_ip: str | None, now: datetime
) -> FormSubmission:
    """Count an accepted web-form submission against its client IP (the hourly limit reads
    these, ``portal.selectors.submissions_since``). Not audited: the case it opened is."""
    return FormSubmission.objects.create(
        organization=org, case=case, client_ip=client_ip, submitted_at=now
    )
