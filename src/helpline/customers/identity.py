"""Identity checks before account data changes: a security question, or a one-time code
sent by e-mail or SMS. Every start and outcome goes to the audit log.

A code has six digits, is stored hashed, lives ``HELPLINE_IDENTITY_CODE_MINUTES`` and allows
``MAX_ATTEMPTS`` tries; a passed check lets *its operator* change the customer's account
data for ``HELPLINE_IDENTITY_CHECK_MINUTES``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from helpline.audit import services as audit
from helpline.audit.models import AuditAction
from helpline.customers.models import Customer, IdentityCheck, IdentityMethod, IdentityStatus
from helpline.customers.sms import sms_backend
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, IllegalTransition, RateLimited
from helpline.lib.phonetic import fold

MAX_ATTEMPTS = 3


def _check_minutes() -> int:
    return int(getattr(settings, "HELPLINE_IDENTITY_CHECK_MINUTES", 15))


def _code_minutes() -> int:
    return int(getattr(settings, "HELPLINE_IDENTITY_CODE_MINUTES", 10))


def _normal_answer(answer: str) -> str:
    """Answers are compared folded and without spaces: ``São Paulo`` = ``sao paulo``."""
    return "".join(fold(answer).split())


def hash_answer(answer: str) -> str:
    return make_password(_normal_answer(answer))


def _audit(check: IdentityCheck, actor: Actor, changes: dict[str, list[object]]) -> None:
    audit.record(
        org_id=check.organization_id,
        actor=actor,
        action="update" if changes.get("status", [None])[0] else "create",
        instance=check,
        changes={"customer": [None, check.customer_id], **changes},
    )


def _recent_checks(customer: Customer, now: datetime) -> list[tuple[str, int]]:
    """(status, attempts) of the customer's checks opened in the last hour."""
    return list(
        IdentityCheck.objects.filter(
            customer=customer, created_at__gte=now - timedelta(hours=1)
        ).values_list("status", "attempts")
    )


def _wrong_answers(recent: list[tuple[str, int]]) -> int:
    return sum(attempts - (status == IdentityStatus.PASSED) for status, attempts in recent)


def _refuse(customer: Customer, actor: Actor, what: str, count: int) -> RateLimited:
    """Audit the refusal (against the customer) and build the error to raise."""
    audit.record(
        org_id=customer.organization_id,
        actor=actor,
        action=AuditAction.REFUSED,
        instance=customer,
        changes={"refused": [None, what], "in_the_last_hour": [None, count]},
    )
    return _limit_error()


def _limit_error() -> RateLimited:
    return RateLimited(
        _(
            "Too many identity checks for this customer in the last hour; please try again "
            "later or verify the customer another way."
        )
    )


def check_identity_limits(*, customer: Customer, actor: Actor, new_check: bool) -> None:
    """Throttle per customer, not per check (a script would otherwise open check after
    check, each mailing the customer): at most ``HELPLINE_IDENTITY_CHECKS_PER_HOUR`` new
    checks and ``HELPLINE_IDENTITY_FAILURES_PER_HOUR`` wrong answers per hour. Counted on
    the checks' own rows, so every process and both databases agree."""
    now = timezone.now()
    recent = _recent_checks(customer, now)
    wrong = _wrong_answers(recent)
    if wrong >= settings.HELPLINE_IDENTITY_FAILURES_PER_HOUR:
        raise _refuse(customer, actor, "identity_answers", wrong)
    if new_check and len(recent) >= settings.HELPLINE_IDENTITY_CHECKS_PER_HOUR:
        raise _refuse(customer, actor, "identity_checks", len(recent))


def start_identity_check(*, customer: Customer, actor: Actor, method: str) -> IdentityCheck:
    """Open a check. For a code method, generate and send the code (after commit).
    RateLimited (429, audited) past the customer's hourly limits."""
    with transaction.atomic():
        # The customer row lock serialises concurrent starts for one customer.
        Customer.objects.select_for_update().filter(pk=customer.pk).exists()
        try:
            check_identity_limits(customer=customer, actor=actor, new_check=True)
        except RateLimited as exc:
            refused = exc
        else:
            return _start_identity_check(customer=customer, actor=actor, method=method)
    raise refused  # after the commit, so that the audit entry of the refusal stays


def _start_identity_check(*, customer: Customer, actor: Actor, method: str) -> IdentityCheck:
    errors: dict[str, list[str]] = {}
    if method not in IdentityMethod.values:
        errors["method"] = [
            _("Unknown method %(value)s; use one of %(choices)s.")
            % {"value": method, "choices": ", ".join(IdentityMethod.values)}
        ]
    elif method == IdentityMethod.QUESTION and not customer.security_answer_hash:
        errors["method"] = [_("The customer has no security question.")]
    elif method == IdentityMethod.EMAIL_CODE and not customer.email:
        errors["method"] = [_("The customer has no e-mail address.")]
    elif method == IdentityMethod.SMS_CODE and not customer.phone:
        errors["method"] = [_("The customer has no phone number.")]
    if customer.erased_at is not None:
        errors["customer"] = [_("The customer has been erased.")]
    if errors:
        raise FieldValidationError(errors)
    now = timezone.now()
    code = ""
    code_hash = ""
    if method != IdentityMethod.QUESTION:
        code = f"{secrets.randbelow(10**6):06d}"
        code_hash = make_password(code)
    check = IdentityCheck.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        method=method,
        code_hash=code_hash,
        operator_id=actor.user_id,
        created_at=now,
        expires_at=now + timedelta(minutes=_code_minutes()),
    )
    _audit(check, actor, {"method": [None, method], "status": [None, check.status]})
    if code:
        transaction.on_commit(lambda: _send_code(customer, method, code))
    return check


def _send_code(customer: Customer, method: str, code: str) -> None:
    """Send in the customer's language (else the organisation's)."""
    lang = customer.language or customer.organization.language
    with override(lang):
        body = _("Your verification code is %(code)s. It expires in %(minutes)s minutes.") % {
            "code": code,
            "minutes": _code_minutes(),
        }
        if method == IdentityMethod.EMAIL_CODE:
            send_mail(
                _("Verification code"),
                body,
                None,
                [customer.email],
            )
        else:
            sms_backend().send(to=customer.phone, body=body)


def verify_identity_check(*, check: IdentityCheck, actor: Actor, answer: str) -> IdentityCheck:
    """Record the caller's answer (or the code they read back): passed or failed.

    A wrong answer counts an attempt; the check fails at ``MAX_ATTEMPTS`` or after expiry.
    Past the customer's hourly wrong answers the answer is not compared: the check ends
    failed and RateLimited (429) is raised, both recorded.
    """
    with transaction.atomic():
        check, refused = _verify(check=check, actor=actor, answer=answer)
    if refused:
        raise _limit_error()
    return check


def _verify(*, check: IdentityCheck, actor: Actor, answer: str) -> tuple[IdentityCheck, bool]:
    check = IdentityCheck.objects.select_for_update().select_related("customer").get(pk=check.pk)
    if check.status != IdentityStatus.PENDING:
        raise IllegalTransition(_("This identity check is already finished."))
    if not answer.strip():
        raise FieldValidationError(answer=_("An answer is required."))
    now = timezone.now()
    if _wrong_answers(_recent_checks(check.customer, now)) >= (
        settings.HELPLINE_IDENTITY_FAILURES_PER_HOUR
    ):
        # The answer is not even compared; the check ends failed (recorded, not rolled back).
        check.status = IdentityStatus.FAILED
        check.save(update_fields=["status"])
        _audit(check, actor, {"status": [IdentityStatus.PENDING, check.status]})
        return _refused_check(check, actor), True
    before = check.status
    if now > check.expires_at:
        check.status = IdentityStatus.FAILED
        outcome = "expired"
    else:
        if check.method == IdentityMethod.QUESTION:
            ok = check_password(_normal_answer(answer), check.customer.security_answer_hash)
        else:
            ok = check_password(answer.strip(), check.code_hash)
        check.attempts += 1
        if ok:
            check.status = IdentityStatus.PASSED
            check.verified_at = now
            outcome = "passed"
        elif check.attempts >= MAX_ATTEMPTS:
            check.status = IdentityStatus.FAILED
            outcome = "failed"
        else:
            outcome = "wrong answer"
    check.save()
    _audit(
        check,
        actor,
        {
            "status": [before, check.status],
            "outcome": [None, outcome],
            "attempts": [None, check.attempts],
        },
    )
    return check, False


def check_is_valid(*, check: IdentityCheck, customer: Customer, actor: Actor) -> bool:
    """Passed, for this customer, by this operator, within the validity window."""
    if check.customer_id != customer.pk or check.status != IdentityStatus.PASSED:
        return False
    if actor.user_id is None or check.operator_id != actor.user_id or check.verified_at is None:
        return False
    return timezone.now() <= check.verified_at + timedelta(minutes=_check_minutes())


def _refused_check(check: IdentityCheck, actor: Actor) -> IdentityCheck:
    audit.record(
        org_id=check.organization_id,
        actor=actor,
        action=AuditAction.REFUSED,
        instance=check.customer,
        changes={"refused": [None, "identity_answers"], "identity_check": [None, check.pk]},
    )
    return check
