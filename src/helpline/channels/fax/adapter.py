"""Fax-to-mail gateways: the PDF/TIFF is the content, the sender's fax number becomes the
requester's phone, and the case's channel is fax.

Gateways name the sender's number in different places; we look, in order, at the
``X-Fax-Number``/``X-Sender-Fax``/``X-Fax-From`` headers, the subject ("Fax from +39 06
1234 5678", "Fax da 0612345678 (2 pagine)"), and the local part of the From address
("390612345678@fax.example.net").
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from helpline.cases.choices import CaseType, Channel
from helpline.cases.services import UploadedFile
from helpline.channels.email.parser import ParsedEmail
from helpline.channels.intake import Contact, IntakeItem
from helpline.channels.models import Mailbox

_NUMBER = re.compile(r"(\+?\d[\d ./-]{5,}\d)")
_DOCUMENT_TYPES = {"application/pdf", "image/tiff", "image/tif", "image/x-tiff"}


def fax_number(parsed: ParsedEmail) -> str:
    """The sender's fax number as the gateway gave it, or ""."""
    for header in ("X-Fax-Number", "X-Sender-Fax", "X-Fax-From", "X-Fax-Sender"):
        value = parsed.header(header)
        found = _NUMBER.search(value)
        if found:
            return re.sub(r"[^\d+]", "", found.group(1))
    found = _NUMBER.search(parsed.subject)
    if found:
        return re.sub(r"[^\d+]", "", found.group(1))
    local = parsed.from_address.split("@")[0]
    if re.fullmatch(r"\+?\d{6,16}", local):
        return local
    return ""


def fax_item(*, parsed: ParsedEmail, mailbox: Mailbox) -> IntakeItem:
    number = fax_number(parsed)
    documents = [a for a in parsed.attachments if a.content_type in _DOCUMENT_TYPES] or list(
        parsed.attachments
    )
    if not documents:
        raise ValueError("fax message without a document")
    pages = len(documents)
    title = (
        _("Fax from %(number)s") % {"number": number} if number else _("Fax from an unknown number")
    )
    body = parsed.text.strip() or ngettext(
        "Fax received (%(count)d document).", "Fax received (%(count)d documents).", pages
    ) % {"count": pages}
    return IntakeItem(
        channel=Channel.FAX,
        contact=Contact(
            name=number, phone="+" + number.lstrip("+") if number.startswith("+") else number
        ),
        title=title,
        body=body,
        attachments=[
            UploadedFile(filename=a.filename, content_type=a.content_type, content=a.content)
            for a in documents
        ],
        topic_id=mailbox.topic_id,
        queue_id=mailbox.queue_id,
        case_type=CaseType.INFORMATION,
        closed_case_policy=mailbox.closed_case_policy,
        acknowledge=False,
        message_id=parsed.message_id,
    )
