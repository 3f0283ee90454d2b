"""PEC (posta elettronica certificata): unwrap transport envelopes, record receipts.

A PEC provider delivers a customer's message inside a signed *busta di trasporto*
(``X-Trasporto: posta-certificata``): ``postacert.eml`` is the real message and
``daticert.xml`` the certified data (sender, recipients, timestamp, message id). Receipts
(``X-Ricevuta: accettazione | avvenuta-consegna | errore-consegna | ...``) refer to a
message *we* sent; they are recorded against that outgoing message as its legal trail and
never become customer messages. (DPR 68/2005, DM 2 novembre 2005, technical rules.)
"""

from __future__ import annotations

import email
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import Message

from helpline.channels.email.parser import ParsedEmail, header, parse_email
from helpline.channels.intake import mark_ignored
from helpline.channels.models import Inbound, InboundState, PecReceipt, PecReceiptKind


@dataclass(frozen=True)
class Daticert:
    kind: str = ""
    error: str = ""
    sender: str = ""
    recipient: str = ""
    provider: str = ""
    identifier: str = ""
    msgid: str = ""
    certified_at: datetime | None = None


def parse_daticert(xml: bytes) -> Daticert:
    """The fields of a ``daticert.xml`` we keep; tolerant of missing elements."""
    root = ET.fromstring(xml)

    def text(path: str) -> str:
        el = root.find(path)
        return (el.text or "").strip() if el is not None and el.text else ""

    when: datetime | None = None
    day, hour = text("dati/data/giorno"), text("dati/data/ora")
    zone = root.find("dati/data")
    if day and hour:
        try:
            naive = datetime.strptime(f"{day} {hour}", "%d/%m/%Y %H:%M:%S")
            offset = (zone.get("zona") if zone is not None else None) or "+0000"
            sign = -1 if offset.startswith("-") else 1
            delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
            when = naive.replace(tzinfo=timezone(sign * delta)).astimezone(UTC)
        except (ValueError, IndexError):
            when = None
    return Daticert(
        kind=root.get("tipo", ""),
        error=root.get("errore", ""),
        sender=text("intestazione/mittente"),
        recipient=text("intestazione/destinatari"),
        provider=text("dati/gestore-emittente"),
        identifier=text("dati/identificativo"),
        msgid=text("dati/msgid"),
        certified_at=when,
    )


def _find_part(msg: Message, filename: str, ctype: str = "") -> Message | None:
    for part in msg.walk():
        name = (part.get_filename() or "").lower()
        if name == filename or (ctype and part.get_content_type() == ctype and not name):
            return part
    return None


def _daticert(msg: Message) -> Daticert | None:
    part = _find_part(msg, "daticert.xml")
    if part is None:
        return None
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return None
    try:
        return parse_daticert(data)
    except ET.ParseError:
        return None


def handle_pec(*, row: Inbound, parsed: ParsedEmail, max_attachment: int) -> ParsedEmail | str:
    """A receipt is recorded and the row closed (returns the state); an envelope returns the
    message inside it, with the certified sender; anything else (ordinary mail reaching a
    PEC box) is returned as it is."""
    msg = parsed.msg
    assert msg is not None
    receipt = header(msg, "X-Ricevuta").strip().lower()
    transport = header(msg, "X-Trasporto").strip().lower()
    certified = _daticert(msg)
    if receipt:
        _record_receipt(row=row, kind=receipt, certified=certified, parsed=parsed)
        mark_ignored(inbound=row, reason=f"PEC receipt: {receipt}")
        return InboundState.IGNORED
    if transport:
        inner_part = _find_part(msg, "postacert.eml")
        inner: Message | None = None
        if inner_part is not None:
            payload = inner_part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                inner = payload[0]
            else:
                data = inner_part.get_payload(decode=True)
                if isinstance(data, bytes):
                    inner = email.message_from_bytes(data, policy=policy.compat32)
        if inner is None:
            raise ValueError("PEC envelope without postacert.eml")
        unwrapped = parse_email(
            inner.as_bytes(policy=policy.compat32), max_attachment=max_attachment
        )
        if certified is not None and certified.sender:
            unwrapped.from_address = certified.sender.lower()
        unwrapped.message_id = unwrapped.message_id or parsed.message_id
        # Threading headers of the envelope are the provider's: keep the customer's.
        return unwrapped
    return parsed


def _record_receipt(
    *, row: Inbound, kind: str, certified: Daticert | None, parsed: ParsedEmail
) -> None:
    from helpline.notify.models import OutboundEmail

    refers = (certified.msgid if certified else "") or (
        parsed.in_reply_to[0] if parsed.in_reply_to else ""
    )
    if refers and not refers.startswith("<"):
        refers = f"<{refers}>"
    outbound = (
        OutboundEmail.objects.filter(organization_id=row.organization_id, message_id=refers)
        .only("id", "case_id")
        .first()
        if refers
        else None
    )
    valid = {k.value for k in PecReceiptKind}
    PecReceipt.objects.create(
        organization_id=row.organization_id,
        inbound=row,
        kind=kind if kind in valid else PecReceiptKind.DELIVERY_ERROR,
        refers_to_message_id=refers[:255],
        outbound=outbound,
        case_id=outbound.case_id if outbound else None,
        sender=(certified.sender if certified else "")[:255],
        recipient=(certified.recipient if certified else "")[:255],
        provider=(certified.provider if certified else "")[:255],
        identifier=(certified.identifier if certified else "")[:255],
        certified_at=certified.certified_at if certified else row.received_at,
        error=(certified.error if certified and certified.error != "nessuno" else "")[:255],
    )
    Inbound.objects.filter(pk=row.pk).update(case_id=outbound.case_id if outbound else None)
