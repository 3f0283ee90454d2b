"""Parsing raw e-mail into text, sanitised HTML and attachments, coping with real mail.

Uses the stdlib ``email`` package with the ``compat32`` policy because it never raises on
access: headers come back as strings (8-bit bytes kept as surrogates) that we decode
ourselves, so one malformed header or a wrong charset degrades that header or that part,
never the whole message. Charsets: the declared one, corrected for common lies (GB2312/GBK
mail is really GB18030, ISO-8859-1 is really Windows-1252, "UTF-8 declared as Latin-1"),
then UTF-8, then Windows-1252, then Latin-1 (which decodes anything).
"""

from __future__ import annotations

import codecs
import email
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

import nh3

#: Declared charsets that are in practice a superset, or mislabelled.
CHARSET_FIXES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso_8859-1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "ansi_x3.4-1968": "utf-8",
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}
_SINGLE_BYTE = re.compile(r"^(cp125\d|iso-?8859-\d+|koi8-[ru]|cp874|mac.*)$")
#: Signature parts are not attachments a customer sent.
_SIGNATURES = {
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-signature",
}
_ENCODED_WORD = re.compile(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=")


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip('"').lower()
    name = CHARSET_FIXES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Text from bytes in a declared (possibly wrong or missing) charset; never raises."""
    codec = _codec(declared)
    if codec and _SINGLE_BYTE.match(codec) and not data.isascii():
        # Valid multi-byte UTF-8 is almost never accidental Latin text: trust it over the label.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for candidate in (codec, "utf-8", "cp1252"):
        if candidate is None:
            continue
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


def raw_header(msg: Message, name: str) -> str | None:
    """The first ``name`` header as parsed, 8-bit bytes still as surrogates (``msg.get``
    would hand back a Header that already replaced them with U+FFFD)."""
    lname = name.lower()
    for key, value in vars(msg).get("_headers", []):
        if key.lower() == lname:
            return value if isinstance(value, str) else str(value)
    return None


def header(msg: Message, name: str) -> str:
    """A header of ``msg`` decoded to text ("" when absent)."""
    return decode_header_value(raw_header(msg, name))


def decode_header_value(value: object) -> str:
    """A header as text: RFC 2047 words decoded, raw 8-bit bytes guessed, folding removed."""
    if value is None:
        return ""
    text = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # raw 8-bit bytes in the header
        text = decode_bytes(text.encode("ascii", "surrogateescape"))
    if "=?" not in text:
        return " ".join(text.split())
    out: list[str] = []
    try:
        parts = decode_header(text)
    except Exception:
        return " ".join(text.split())
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    # Whitespace between adjacent encoded words is dropped (RFC 2047 6.2); plain runs keep
    # their own spaces.
    return " ".join("".join(out).split())


def _addresses(value: str) -> list[tuple[str, str]]:
    try:
        pairs = getaddresses([value])
    except Exception:
        return []
    return [(name.strip(), addr.strip()) for name, addr in pairs if "@" in addr]


def _msgids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str = ""


@dataclass
class ParsedEmail:
    """What the intake needs from a message, plus what the operator may want to see."""

    message_id: str = ""
    from_name: str = ""
    from_address: str = ""
    reply_to: str = ""
    to: list[str] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    language: str = ""
    text: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    oversized: list[dict[str, object]] = field(default_factory=list)
    forwarded: int = 0
    msg: Message | None = None

    def header(self, name: str) -> str:
        return header(self.msg, name) if self.msg is not None else ""


def quick_headers(raw: bytes) -> tuple[str, str, str]:
    """(Message-ID, sender address, subject) read from the header block only: cheap enough
    to run before the raw bytes are stored."""
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw[:65536] else raw.split(b"\n\n", 1)[0]
    msg = BytesHeaderParser(policy=policy.compat32).parsebytes(head)
    ids = _msgids(header(msg, "Message-ID"))
    sender = _addresses(header(msg, "From"))
    return (
        ids[0] if ids else "",
        sender[0][1].lower() if sender else "",
        header(msg, "Subject")[:255],
    )


class _TextExtractor(HTMLParser):
    """Readable text out of (sanitised) HTML: blocks become lines, scripts vanish."""

    BLOCKS = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "blockquote",
        "pre",
        "hr",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "td":
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return re.sub(r"<[^>]+>", " ", html)
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def sanitise_html(html: str) -> str:
    """HTML safe to show an operator: nh3's allow-list, no remote images or scripts."""
    return nh3.clean(html, tags=nh3.ALLOWED_TAGS - {"img"})


def _part_filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if not name:
        ctype_name = part.get_param("name")
        if isinstance(ctype_name, tuple):
            name = email.utils.collapse_rfc2231_value(ctype_name)
        elif isinstance(ctype_name, str):
            name = ctype_name
    name = decode_header_value(name) if name else ""
    if _ENCODED_WORD.search(name):
        name = decode_header_value(name)
    return name.replace("/", "_").replace("\\", "_").strip()


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


class _Walker:
    def __init__(self, max_attachment: int) -> None:
        self.max_attachment = max_attachment
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[ParsedAttachment] = []
        self.oversized: list[dict[str, object]] = []
        self.forwarded = 0
        self.counter = 0

    def walk(self, part: Message, depth: int = 0) -> None:
        if depth > 20:  # a pathological nesting: stop, the raw message keeps the rest
            return
        ctype = part.get_content_type()
        if ctype == "message/rfc822" or (part.is_multipart() and ctype.startswith("message/")):
            self._forwarded(part, depth)
            return
        if part.is_multipart():
            children = [p for p in part.get_payload() if isinstance(p, Message)]
            if ctype == "multipart/alternative":
                self._alternative(children, depth)
            else:
                for child in children:
                    self.walk(child, depth + 1)
            return
        self._leaf(part, ctype)

    def _alternative(self, children: list[Message], depth: int) -> None:
        plain = [c for c in children if c.get_content_type() == "text/plain"]
        rich = [c for c in children if c.get_content_type() != "text/plain"]
        chosen_text = False
        for c in plain:
            text = decode_bytes(_payload(c), c.get_content_charset()).strip()
            if text:
                self.plain.append(text)
                chosen_text = True
        for c in rich:
            if c.get_content_type() == "text/html":
                html = decode_bytes(_payload(c), c.get_content_charset())
                self.html.append(html)
                if not chosen_text:
                    self.plain.append(html_to_text(sanitise_html(html)))
                    chosen_text = True
            elif c.is_multipart():  # multipart/related: HTML with its inline images
                sub = _Walker(self.max_attachment)
                sub.walk(c, depth + 1)
                self.html += sub.html
                if not chosen_text and (sub.plain or sub.html):
                    self.plain += sub.plain or [html_to_text(sanitise_html(h)) for h in sub.html]
                    chosen_text = True
                self.attachments += sub.attachments
                self.oversized += sub.oversized

    def _forwarded(self, part: Message, depth: int) -> None:
        inner = part.get_payload()
        msg = inner[0] if isinstance(inner, list) and inner else None
        if not isinstance(msg, Message):
            raw = _payload(part)
            msg = email.message_from_bytes(raw, policy=policy.compat32) if raw else None
        if msg is None:
            return
        self.forwarded += 1
        lines = ["---------- " + "Forwarded message" + " ----------"]
        for name in ("From", "Date", "Subject", "To"):
            value = header(msg, name)
            if value:
                lines.append(f"{name}: {value}")
        sub = _Walker(self.max_attachment)
        sub.walk(msg, depth + 1)
        body = "\n\n".join(t for t in sub.plain if t.strip())
        if not body and sub.html:
            body = html_to_text(sanitise_html("\n".join(sub.html)))
        self.plain.append("\n".join(lines) + "\n\n" + body)
        self.attachments += sub.attachments
        self.oversized += sub.oversized
        self.forwarded += sub.forwarded

    def _leaf(self, part: Message, ctype: str) -> None:
        disposition = (part.get_content_disposition() or "").lower()
        filename = _part_filename(part)
        if ctype in _SIGNATURES:
            return
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            text = decode_bytes(_payload(part), part.get_content_charset())
            if ctype == "text/html":
                self.html.append(text)
                self.plain.append(html_to_text(sanitise_html(text)))
            elif text.strip():
                self.plain.append(text)
            return
        content = _payload(part)
        if not content and not filename:
            return
        self.counter += 1
        if not filename:
            ext = mimetypes.guess_extension(ctype) or ".bin"
            filename = f"attachment-{self.counter}{ext}"
        if len(content) > self.max_attachment:
            self.oversized.append(
                {"filename": filename, "size": len(content), "content_type": ctype}
            )
            return
        cid = (part.get("Content-ID") or "").strip().strip("<>")
        self.attachments.append(
            ParsedAttachment(
                filename=filename[:255],
                content_type=ctype,
                content=content,
                inline=disposition == "inline" or bool(cid),
                content_id=cid,
            )
        )


def parse_email(raw: bytes, *, max_attachment: int) -> ParsedEmail:
    """Everything the intake and the operator need from ``raw``; never raises on bad MIME."""
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    walker = _Walker(max_attachment)
    walker.walk(msg)
    frm = _addresses(header(msg, "From"))
    reply_to = _addresses(header(msg, "Reply-To"))
    ids = _msgids(header(msg, "Message-ID"))
    date = None
    try:
        date = parsedate_to_datetime(str(msg.get("Date"))) if msg.get("Date") else None
    except (TypeError, ValueError, IndexError):
        date = None
    if date is not None and date.tzinfo is None:
        date = None
    text = "\n\n".join(t.strip("\n") for t in walker.plain if t.strip()).strip()
    text = text.replace("\r\n", "\n").replace("\x00", "")
    language = header(msg, "Content-Language").split(",")[0].strip().lower()
    return ParsedEmail(
        message_id=ids[0] if ids else "",
        from_name=frm[0][0] if frm else "",
        from_address=frm[0][1].lower() if frm else "",
        reply_to=reply_to[0][1].lower() if reply_to else "",
        to=[a for _n, a in _addresses(header(msg, "To"))],
        subject=header(msg, "Subject"),
        date=date,
        in_reply_to=_msgids(header(msg, "In-Reply-To")),
        references=_msgids(header(msg, "References")),
        language=language,
        text=text,
        html=sanitise_html("\n".join(walker.html)) if walker.html else "",
        attachments=walker.attachments,
        oversized=walker.oversized,
        forwarded=walker.forwarded,
        msg=msg,
    )
