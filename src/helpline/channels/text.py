"""Text taken from received items made safe to store and show.

Every text column derived from mail (subject, sender, Message-ID, names, file names, bodies,
reasons and errors) goes through these: PostgreSQL refuses a NUL character in text, lone
surrogates cannot be encoded at all, and other control characters only garble a screen.
The raw bytes are stored as they came; only what is derived from them is cleaned.
"""

from __future__ import annotations

import os
import re

#: Control characters (C0 but tab/newline/carriage return, DEL, C1), lone surrogates and
#: the two non-characters: never kept in text.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_IN_LINE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Multi-line text (a body): control characters removed, line ends as ``\\n``."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_IN_TEXT.sub("", text)


def clean_line(text: str, limit: int | None = None) -> str:
    """One-line text (a header, a name, a reason): control characters removed, white space
    (also line breaks) collapsed to single spaces; at most ``limit`` characters."""
    if not text:
        return ""
    text = " ".join(_CONTROL_IN_LINE.sub("", text).split())
    return text[:limit] if limit is not None else text


def shorten_filename(name: str, limit: int = 255) -> str:
    """A file name of at most ``limit`` characters that keeps its extension."""
    name = clean_line(name)
    if len(name) <= limit:
        return name
    stem, ext = os.path.splitext(name)
    if not stem or len(ext) > 16 or " " in ext:
        return name[:limit]
    return stem[: limit - len(ext)].rstrip() + ext
