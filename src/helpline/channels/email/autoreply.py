"""Mail that must never open a case nor be answered: auto-replies, bounces, loops, floods.

RFC 3834 (Auto-Submitted), the de-facto X-Autoreply/X-Autorespond/Precedence headers,
RFC 3464 delivery status notifications (multipart/report), null senders and
MAILER-DAEMON, our own loop marker and addresses, and a per-sender rate limit.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from helpline.channels.email.parser import ParsedEmail
from helpline.channels.models import Inbound, Mailbox

#: Header we put on every mail we send; seeing it come back means a loop.
LOOP_HEADER = "X-Helpline-Loop"
_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|bounces?)(@|[+-])", re.I)
_AUTO_SUBJECTS = re.compile(
    r"^\s*(auto(matic)?[ -]?reply|out of (the )?office|risposta automatica|fuori sede|"
    r"resposta autom[aá]tica|aus(wesend| dem büro)|automatick[aá] odpov[eě]ď|"
    r"nepřítomnost|delivery status notification|undeliver(ed|able)|mail delivery failed)",
    re.I,
)


_ADDRESSES: tuple[float, frozenset[str]] = (0.0, frozenset())
#: Seconds the set of our mailbox addresses is reused before it is read again.
ADDRESSES_TTL = 60.0


def our_addresses() -> frozenset[str]:
    """Every mailbox address of the installation, lower-cased (read at most once a minute:
    it is checked for every message and changes rarely)."""
    global _ADDRESSES
    read_at, addresses = _ADDRESSES
    now = time.monotonic()
    if now - read_at > ADDRESSES_TTL:
        addresses = frozenset(a.lower() for a in Mailbox.objects.values_list("address", flat=True))
        _ADDRESSES = (now, addresses)
    return addresses


def forget_addresses() -> None:
    global _ADDRESSES
    _ADDRESSES = (0.0, frozenset())


def ignore_reason(parsed: ParsedEmail, *, mailbox: Mailbox, inbound: Inbound) -> str:
    """Why this message is not a customer's request, or "" if it is one."""
    msg = parsed.msg
    assert msg is not None
    auto = parsed.header("Auto-Submitted").lower()
    if auto and not auto.startswith("no"):
        return f"auto-submitted: {auto}"[:255]
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if msg.get(name) is not None:
            return f"auto-reply: {name}"
    precedence = parsed.header("Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"precedence: {precedence}"
    ctype = msg.get_content_type()
    if ctype == "multipart/report" or any(
        p.get_content_type() in ("message/delivery-status", "message/disposition-notification")
        for p in msg.walk()
    ):
        return "bounce: delivery status notification"
    return_path = parsed.header("Return-Path").strip()
    if return_path == "<>":
        return "bounce: null sender"
    if parsed.from_address and _BOUNCE_SENDERS.match(parsed.from_address):
        return "bounce: " + parsed.from_address.split("@")[0]
    if msg.get(LOOP_HEADER) is not None:
        return "loop: our own message came back"
    if parsed.from_address and parsed.from_address in our_addresses():
        return "loop: sent from one of our mailboxes"
    if len(msg.get_all("Received") or []) > settings.HELPLINE_MAIL_MAX_HOPS:
        return "loop: too many Received headers"
    if _AUTO_SUBJECTS.match(parsed.subject):
        return "auto-reply: subject"
    limit = settings.HELPLINE_MAIL_RATE_LIMIT_PER_HOUR
    if limit and parsed.from_address:
        since = timezone.now() - timedelta(hours=1)
        recent = (
            Inbound.objects.filter(
                organization_id=inbound.organization_id,
                sender=parsed.from_address,
                received_at__gte=since,
            )
            .exclude(pk=inbound.pk)
            .exclude(state="ignored")
            .count()
        )
        if recent >= limit:
            return f"rate limit: more than {limit} messages in an hour from this sender"
    return ""
