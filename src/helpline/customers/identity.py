"""Identity checks before account data changes: a security question, or a one-time code
sent by e-mail or SMS. Every start and outcome goes to the audit log.

A code has six digits, is stored hashed, lives ``HELPLINE_IDENTITY_CODE_MINUTES`` and allows
``MAX_ATTEMPTS`` tries; a passed check lets *its operator* change the customer's account
data for ``HELPLINE_IDENTITY_CHECK_MINUTES``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from helpline.audit import services as audit
from helpline.customers.models import Customer, IdentityCheck, IdentityMethod, IdentityStatus
from helpline.customers.sms import sms_backend
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError, IllegalTransition
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


@transaction.atomic
def start_identity_check(*, customer: Customer, actor: Actor, method: str) -> IdentityCheck:
    """Open a check. For a code method, generate and send the code (after commit)."""
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


@transaction.atomic
def verify_identity_check(*, check: IdentityCheck, actor: Actor, answer: str) -> IdentityCheck:
    """Record the caller's answer (or the code they read back): passed or failed.

    A wrong answer counts an attempt; the check fails at ``MAX_ATTEMPTS`` or after expiry.
    """
    check = IdentityCheck.objects.select_for_update().select_related("customer").get(pk=check.pk)
    if check.status != IdentityStatus.PENDING:
        raise IllegalTransition(_("This identity check is already finished."))
    if not answer.strip():
        raise FieldValidationError(answer=_("An answer is required."))
    now = timezone.now()
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
    return check


def check_is_valid(*, check: IdentityCheck, customer: Customer, actor: Actor) -> bool:
    """Passed, for this customer, by this operator, within the validity window."""
    if check.customer_id != customer.pk or check.status != IdentityStatus.PASSED:
        return False
    if actor.user_id is None or check.operator_id != actor.user_id or check.verified_at is None:
        return False
    return timezone.now() <= check.verified_at + timedelta(minutes=_check_minutes())
