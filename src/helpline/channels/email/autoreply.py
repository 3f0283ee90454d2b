"""Mail that must never open a case nor be answered: auto-replies, bounces, loops, floods.

RFC 3834 (Auto-Submitted), the de-facto X-Autoreply/X-Autorespond/Precedence headers,
RFC 3464 delivery status notifications (multipart/report), null senders and
MAILER-DAEMON, our own loop marker and addresses, and a per-sender rate limit.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
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


def header_reason(parsed: ParsedEmail) -> str:
    """Why this message is not a customer's request, as the message itself says, or "" if
    it is one. The rate limit is ``SenderCounts.rate_reason``."""
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
    return ""


class SenderCounts:
    """The per-sender rate limit for a batch of one tenant's messages: how many messages
    each sender sent in the last hour (not counting ignored ones), read for all senders of
    the batch in one query, then counted on as the batch's messages are processed in order,
    so that each message sees what one-at-a-time processing would have seen."""

    def __init__(self, org_id: int, *, exclude: Sequence[int] = ()) -> None:
        self.org_id = org_id
        self.exclude = list(exclude)  # the batch's own rows, counted as they are processed
        self.since = timezone.now() - timedelta(hours=1)
        self.counts: dict[str, int] = {}

    def prefetch(self, senders: Iterable[str]) -> None:
        limit = settings.HELPLINE_MAIL_RATE_LIMIT_PER_HOUR
        wanted = sorted({s for s in senders if s} - self.counts.keys())
        if not limit or not wanted:
            return
        rows = (
            Inbound.objects.filter(
                organization_id=self.org_id, sender__in=wanted, received_at__gte=self.since
            )
            .exclude(pk__in=self.exclude)
            .exclude(state="ignored")
            .values("sender")
            .annotate(n=Count("id"))
            .values_list("sender", "n")
        )
        found = dict(rows)
        for sender in wanted:
            self.counts[sender] = found.get(sender, 0)

    def rate_reason(self, sender: str) -> str:
        limit = settings.HELPLINE_MAIL_RATE_LIMIT_PER_HOUR
        if not limit or not sender:
            return ""
        self.prefetch([sender])
        if self.counts[sender] >= limit:
            return f"rate limit: more than {limit} messages in an hour from this sender"
        return ""

    def processed(self, sender: str, *, ignored: bool) -> None:
        """A message of the batch from ``sender`` reached its outcome."""
        if not ignored and sender in self.counts:
            self.counts[sender] += 1
