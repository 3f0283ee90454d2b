"""Cells of CSV and XLSX exports, safe to open in a spreadsheet.

A text cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return, which
some spreadsheets skip before reading the formula) is taken as a formula by Excel and
LibreOffice: ``=HYPERLINK(...)`` in a case subject would become a live link in the export.
``safe_cell`` prefixes such text with an apostrophe (OWASP's advice), which spreadsheets
show as text. Numbers, dates and ``None`` pass unchanged, so a negative amount stays a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value``, with text that a spreadsheet would read as a formula made plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row through ``safe_cell`` (for ``csv.writer.writerow``, ``ws.append``)."""
    return [safe_cell(v) for v in values]
