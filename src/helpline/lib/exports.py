"""Cells of CSV and XLSX exports, safe to open in a spreadsheet.

A text cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return, which
some spreadsheets skip before reading the formula) is taken as a formula by Excel and
LibreOffice: ``=HYPERLINK(...)`` in a case subject would become a live link in the export.
``safe_cell`` prefixes such text with an apostrophe (OWASP's advice), which spreadsheets
show as text. Numbers, dates and ``None`` pass unchanged, so a negative amount stays a number.
"""

from __future__ import annotations

import csv
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


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through ``safe_cell``."""

    def __init__(self, fileobj: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(fileobj, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_csv_writer(fileobj: Any, **kwargs: Any) -> SafeCsvWriter:
    """The writer every CSV export uses (``csv.writer``'s arguments)."""
    return SafeCsvWriter(fileobj, **kwargs)


def safe_xlsx_append(worksheet: Any, row: Iterable[Any]) -> None:
    """``worksheet.append(row)`` for openpyxl, every cell through ``safe_cell``."""
    worksheet.append(safe_row(row))
