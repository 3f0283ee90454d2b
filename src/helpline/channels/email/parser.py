"""Parsing raw e-mail into text, sanitised HTML and attachments, coping with real mail.

Uses the stdlib ``email`` package with the ``compat32`` policy because it never raises on
access: headers come back as strings (8-bit bytes kept as surrogates) that we decode
ourselves, so one malformed header or a wrong charset degrades that header or that part,
never the whole message. Charsets: the declared one, corrected for common lies (GB2312/GBK
mail is really GB18030, ISO-8859-1 is really Windows-1252, "UTF-8 declared as Latin-1"),
then UTF-8; undeclared (or undecodable) 8-bit text is guessed by charset-normalizer, the
tenant's own charset (``charset_fallback``: Windows-1250 for a Czech tenant, Windows-1252
for an Italian or Brazilian one) preferred whenever it reads the bytes as plausibly as the
detector's best guess. Every text taken from a message is cleaned of control characters
(``channels.text``).
"""

from __future__ import annotations

import binascii
import codecs
import contextlib
import email
import hashlib
import mimetypes
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

import nh3

from helpline.channels.text import clean_line, clean_text, shorten_filename

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


#: The charset of 8-bit text that does not say its own and is not UTF-8, when the
#: detector finds it plausible: the tenant's (``charset_fallback``).
_FALLBACK: ContextVar[str] = ContextVar("mail_charset_fallback", default="cp1252")
#: The legacy Windows charset of a country's mail (else of the tenant's language).
_COUNTRY_CHARSETS = {
    **dict.fromkeys(("CZ", "SK", "PL", "HU", "SI", "HR", "RO", "AL", "BA", "RS"), "cp1250"),
    **dict.fromkeys(("RU", "UA", "BY", "BG", "MK"), "cp1251"),
    **dict.fromkeys(("GR", "CY"), "cp1253"),
    "TR": "cp1254",
    **dict.fromkeys(("EE", "LV", "LT"), "cp1257"),
}
_LANGUAGE_CHARSETS = {"cs": "cp1250", "sk": "cp1250", "pl": "cp1250", "ru": "cp1251"}
#: How much more "chaos" (charset-normalizer's mess ratio) than the detector's best guess
#: the tenant's charset may show and still be preferred.
_FALLBACK_MARGIN = 0.05
#: Fewer 8-bit bytes than this are read in the tenant's charset without asking the detector.
_DETECT_FROM = 8
_ASCII = bytes(range(128))


def fallback_charset_for(*, country: str = "", language: str = "") -> str:
    """The tenant's fallback charset: from its country (CZ → Windows-1250, IT/BR →
    Windows-1252...), else its language, else Windows-1252."""
    return (
        _COUNTRY_CHARSETS.get((country or "").upper())
        or _LANGUAGE_CHARSETS.get((language or "").split("-")[0].lower())
        or "cp1252"
    )


@contextlib.contextmanager
def charset_fallback(name: str) -> Iterator[None]:
    """Decode undeclared 8-bit text preferably as ``name`` inside the block."""
    token = _FALLBACK.set(_codec(name) or "cp1252")
    try:
        yield
    finally:
        _FALLBACK.reset(token)


def _guess(data: bytes) -> str:
    """Text of 8-bit bytes that are not UTF-8 and whose declared charset (if any) failed:
    the tenant's charset, unless the detector finds it implausible (never on a few 8-bit
    bytes: too little for any detector) and has a better guess."""
    fallback = _FALLBACK.get()
    try:
        text: str | None = data.decode(fallback)
    except (UnicodeDecodeError, LookupError):
        text = None
    if text is not None and len(data.translate(None, _ASCII)) < _DETECT_FROM:
        return text
    try:
        from charset_normalizer import from_bytes

        results = from_bytes(data)
    except Exception:  # the detector must never cost us the message
        results = None
    best = results.best() if results else None
    if text is not None and (
        best is None
        or any(
            m.encoding == fallback and m.chaos <= best.chaos + _FALLBACK_MARGIN
            for m in results or ()
        )
    ):
        return text
    if best is not None:
        return str(best)
    for candidate in (fallback, "cp1252"):
        with contextlib.suppress(UnicodeDecodeError, LookupError):
            return data.decode(candidate)
    return data.decode("latin-1")


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Text from bytes in a declared (possibly wrong or missing) charset; never raises."""
    codec = _codec(declared)
    if codec and _SINGLE_BYTE.match(codec) and not data.isascii():
        # Valid multi-byte UTF-8 is almost never accidental Latin text: trust it over the label.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for candidate in (codec, "utf-8"):
        if candidate is None:
            continue
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return _guess(data)


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
        return clean_line(text)
    out: list[str] = []
    try:
        parts = decode_header(text)
    except Exception:
        return clean_line(text)
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    # Whitespace between adjacent encoded words is dropped (RFC 2047 6.2); plain runs keep
    # their own spaces. Control characters (a NUL in an encoded word) are dropped.
    return clean_line("".join(out))


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
    #: Parts nested deeper than ``MAX_DEPTH`` were not read (the raw message keeps them).
    too_deep: bool = False
    #: Why this is not an e-mail message at all (empty, binary garbage), else "".
    not_mail: str = ""
    msg: Message | None = None

    def header(self, name: str) -> str:
        return header(self.msg, name) if self.msg is not None else ""


#: Message-IDs longer than this (in UTF-8 bytes) are no Message-IDs (a btree index entry
#: must stay under PostgreSQL's limit of about 2,700 bytes):
#: such a message is de-duplicated and threaded by its content alone.
MAX_MESSAGE_ID = 2000
_TRAILING_BLANKS = re.compile(rb"[ \t]+(?=\n)")


def _message_ids(msg: Message) -> list[str]:
    return [
        i for i in _msgids(header(msg, "Message-ID")) if len(i.encode("utf-8")) <= MAX_MESSAGE_ID
    ]


@dataclass(frozen=True)
class QuickHeaders:
    """What is read of a message before its raw bytes are stored."""

    message_id: str
    sender: str
    subject: str
    #: SHA-256 of what makes the message what it is (From, Subject, Date, the body), blind
    #: to what the transport adds (Received, Return-Path, relay headers) and to line ends.
    digest: str


def quick_headers(raw: bytes) -> QuickHeaders:
    """The Message-ID, sender address, subject and content digest, read from the header
    block only: cheap enough to run before the raw bytes are stored."""
    if b"\r\n\r\n" in raw[:65536]:
        head, _sep, body = raw.partition(b"\r\n\r\n")
    else:
        head, _sep, body = raw.partition(b"\n\n")
    msg = BytesHeaderParser(policy=policy.compat32).parsebytes(head)
    ids = _message_ids(msg)
    sender = _addresses(header(msg, "From"))
    body = _TRAILING_BLANKS.sub(b"", body.replace(b"\r\n", b"\n")).rstrip(b"\n")
    digest = hashlib.sha256()
    identity = [header(msg, name) for name in ("From", "Subject", "Date")]
    if any(identity):
        for value in identity:
            digest.update(value.encode("utf-8", "replace") + b"\n")
        digest.update(body)
    else:  # no mail headers (garbage, a stray file): the bytes are all there is
        digest.update(raw)
    return QuickHeaders(
        message_id=ids[0] if ids else "",
        sender=clean_line(sender[0][1].lower(), 255) if sender else "",
        subject=header(msg, "Subject")[:255],
        digest=digest.hexdigest(),
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
    return _safe_name(name)


def _safe_name(name: str) -> str:
    return clean_line(name.replace("/", "_").replace("\\", "_"))


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


#: MIME nesting read at most (deeper parts are flagged, the raw message keeps them).
MAX_DEPTH = 20
#: An uuencoded file inside a text part ("begin 644 name" ... "end").
_UUENCODED = re.compile(
    r"^begin(?:-base64)? [0-7]{3,4} ([^\r\n]+)\r?\n(.*?)^end[ \t]*$\r?\n?", re.M | re.S
)


def _uudecode(lines: str) -> bytes | None:
    out = bytearray()
    for line in lines.splitlines():
        if not line.strip() or line.strip() == "`":
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            try:  # some encoders pad lines wrongly: the length byte says how much counts
                nbytes = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
                out += binascii.a2b_uu(line[:nbytes])
            except (binascii.Error, IndexError):
                return None
    return bytes(out)


def _decoded_message(part: Message) -> Message | None:
    """The message inside a ``message/rfc822`` part that was (against RFC 2046) base64 or
    quoted-printable encoded: the parser read the encoded text as the message."""
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    inner = part.get_payload()
    msg = inner[0] if isinstance(inner, list) and inner else None
    if cte not in ("base64", "quoted-printable") or not isinstance(msg, Message):
        return msg if isinstance(msg, Message) else None
    text = msg.as_string() if msg.keys() else str(msg.get_payload())
    data = text.encode("ascii", "surrogateescape")
    try:
        if cte == "base64":
            raw = binascii.a2b_base64(re.sub(rb"[^A-Za-z0-9+/=]", b"", data))
        else:
            raw = binascii.a2b_qp(data)
    except (binascii.Error, ValueError):
        return msg
    return email.message_from_bytes(raw, policy=policy.compat32)


class _Walker:
    def __init__(self, max_attachment: int) -> None:
        self.max_attachment = max_attachment
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[ParsedAttachment] = []
        self.oversized: list[dict[str, object]] = []
        self.forwarded = 0
        self.counter = 0
        self.too_deep = False

    def _take(self, sub: _Walker) -> None:
        self.attachments += sub.attachments
        self.oversized += sub.oversized
        self.forwarded += sub.forwarded
        self.counter = max(self.counter, sub.counter)
        self.too_deep = self.too_deep or sub.too_deep

    def _text(self, text: str) -> str:
        """A text part, its uuencoded files taken out as attachments."""
        if "begin " not in text:
            return text

        def extract(found: re.Match[str]) -> str:
            content = _uudecode(found.group(2))
            if content is None:
                return found.group(0)
            name = _safe_name(found.group(1))
            ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            self._attach(name, ctype, content, inline=False, cid="")
            return ""

        return _UUENCODED.sub(extract, text)

    def walk(self, part: Message, depth: int = 0) -> None:
        if depth > MAX_DEPTH:  # a pathological nesting: stop, the raw message keeps the rest
            self.too_deep = True
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
            text = self._text(decode_bytes(_payload(c), c.get_content_charset())).strip()
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
            elif c.is_multipart() or c.get_content_type().startswith("message/"):
                # multipart/related: HTML with its inline images
                sub = _Walker(self.max_attachment)
                sub.counter = self.counter
                sub.walk(c, depth + 1)
                self.html += sub.html
                if not chosen_text and (sub.plain or sub.html):
                    self.plain += sub.plain or [html_to_text(sanitise_html(h)) for h in sub.html]
                    chosen_text = True
                self._take(sub)
            else:  # an image or a calendar (a meeting invitation) as an alternative: kept
                self._leaf(c, c.get_content_type())

    def _forwarded(self, part: Message, depth: int) -> None:
        msg = _decoded_message(part)
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
        sub.counter = self.counter
        sub.walk(msg, depth + 1)
        body = "\n\n".join(t for t in sub.plain if t.strip())
        if not body and sub.html:
            body = html_to_text(sanitise_html("\n".join(sub.html)))
        self.plain.append("\n".join(lines) + "\n\n" + body)
        self._take(sub)

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
            else:
                text = self._text(text)
                if text.strip():
                    self.plain.append(text)
            return
        content = _payload(part)
        if not content and not filename:
            return
        cid = clean_line(str(part.get("Content-ID") or "")).strip("<>")
        self._attach(filename, ctype, content, inline=disposition == "inline" or bool(cid), cid=cid)

    def _attach(self, filename: str, ctype: str, content: bytes, *, inline: bool, cid: str) -> None:
        self.counter += 1
        if not filename:
            ext = mimetypes.guess_extension(ctype) or ".bin"
            filename = f"attachment-{self.counter}{ext}"
        filename = shorten_filename(filename)
        if len(content) > self.max_attachment:
            self.oversized.append(
                {"filename": filename, "size": len(content), "content_type": ctype}
            )
            return
        self.attachments.append(
            ParsedAttachment(
                filename=filename,
                content_type=clean_line(ctype, 120),
                content=content,
                inline=inline,
                content_id=cid,
            )
        )


#: Headers of which a message has at least one (binary garbage or a stray file has none).
_MAIL_HEADERS = ("From", "Sender", "Subject", "Date", "Message-ID", "To", "Received")


def _not_mail(raw: bytes, msg: Message) -> str:
    """Why ``raw`` is no e-mail message at all, else ""."""
    if not raw.strip():
        return "empty message" if not raw else "blank message"
    if not any(raw_header(msg, name) is not None for name in _MAIL_HEADERS):
        return "not an e-mail message: no mail header"
    return ""


def _language(msg: Message) -> str:
    """The Content-Language of the message, else of its first part that has one."""
    for part in msg.walk():
        value = header(part, "Content-Language")
        if value:
            return value.split(",")[0].strip().lower()
    return ""


def parse_email(
    raw: bytes, *, max_attachment: int, fallback_charset: str | None = None
) -> ParsedEmail:
    """Everything the intake and the operator need from ``raw``; never raises on bad MIME.
    ``fallback_charset``: the tenant's charset for undeclared 8-bit text
    (``fallback_charset_for``)."""
    if fallback_charset:
        with charset_fallback(fallback_charset):
            return parse_email(raw, max_attachment=max_attachment)
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    not_mail = _not_mail(raw, msg)
    if not_mail:
        return ParsedEmail(not_mail=not_mail, msg=msg)
    walker = _Walker(max_attachment)
    walker.walk(msg)
    frm = _addresses(header(msg, "From"))
    reply_to = _addresses(header(msg, "Reply-To"))
    ids = _message_ids(msg)
    date = None
    try:
        date = parsedate_to_datetime(str(msg.get("Date"))) if msg.get("Date") else None
    except (TypeError, ValueError, IndexError):
        date = None
    if date is not None and date.tzinfo is None:
        date = None
    text = clean_text("\n\n".join(t.strip("\n") for t in walker.plain if t.strip())).strip()
    language = _language(msg)
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
        html=clean_text(sanitise_html("\n".join(walker.html))) if walker.html else "",
        attachments=walker.attachments,
        oversized=walker.oversized,
        forwarded=walker.forwarded,
        too_deep=walker.too_deep,
        msg=msg,
    )
