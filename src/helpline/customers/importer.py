"""Import customers, addresses, service accounts and assets from CSV or XLSX.

One row is one customer (found by tax id, else created) with at most one address, one
account and one asset. Each row is written in its own savepoint: a row with any bad field
is rolled back whole and reported with the reasons, the good rows are imported. A dry run
does all of it inside one transaction that is rolled back, so its report is exactly what a
real run would do.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from helpline.customers import selectors, services
from helpline.customers.models import Customer
from helpline.lib.actors import Actor
from helpline.lib.errors import FieldValidationError
from helpline.tenancy.models import Organization

#: The columns understood (others are ignored and named in the report).
COLUMNS = (
    "name", "kind", "tax_id", "email", "phone", "language",
    "street_code", "street", "house_number", "district", "municipality", "postcode",
    "account_number", "municipal_registration", "meter_number",
    "asset_code", "asset_kind", "asset_location",
)  # fmt: skip
#: Rows per file at most (a bigger file is refused before anything is read).
MAX_ROWS = 50_000


class ImportFileError(FieldValidationError):
    """The file as a whole cannot be read (format, encoding, header, size)."""


@dataclass
class RowResult:
    line: int
    status: str  # "created", "updated" or "error"
    customer_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(r.status == "created" for r in self.rows)

    @property
    def updated(self) -> int:
        return sum(r.status == "updated" for r in self.rows)

    @property
    def failed(self) -> int:
        return sum(r.status == "error" for r in self.rows)


def read_rows(*, content: bytes, filename: str) -> tuple[list[dict[str, str]], list[str]]:
    """The rows of a CSV (UTF-8, ``,`` or ``;``) or XLSX file as dicts keyed by the lower-case
    header, and the header's unknown columns. Raises ImportFileError naming ``file``."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        table = _xlsx_table(content)
    elif name.endswith(".csv") or name.endswith(".txt"):
        table = _csv_table(content)
    else:
        raise ImportFileError(file=_("Upload a .csv or .xlsx file."))
    if not table:
        raise ImportFileError(file=_("The file is empty."))
    header = [str(h or "").strip().lower() for h in table[0]]
    if "name" not in header and "tax_id" not in header:
        raise ImportFileError(file=_("The first row must name the columns (name, tax_id...)."))
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(file=_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
    rows: list[dict[str, str]] = []
    for raw in table[1:]:
        cells = [str(c).strip() if c is not None else "" for c in raw]
        if not any(cells):
            rows.append({})
            continue
        rows.append({h: cells[i] if i < len(cells) else "" for i, h in enumerate(header) if h})
    ignored = [h for h in header if h and h not in COLUMNS]
    return rows, ignored


def _csv_table(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(file=_("The CSV file is not UTF-8.")) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_table(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a broken file
        raise ImportFileError(file=_("Not a readable XLSX file.")) from exc
    sheet = book.worksheets[0]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    book.close()
    return table


def import_customers(
    *, org: Organization, actor: Actor, content: bytes, filename: str, dry_run: bool
) -> ImportReport:
    """Import a file; see the module docstring. Raises ImportFileError for a bad file."""
    rows, ignored = read_rows(content=content, filename=filename)
    report = ImportReport(dry_run=dry_run, ignored_columns=ignored)
    with transaction.atomic():
        for index, row in enumerate(rows, start=2):  # line 1 is the header
            if not row:
                continue
            try:
                with transaction.atomic():
                    status, customer = _import_row(org, actor, row)
            except FieldValidationError as exc:
                report.rows.append(RowResult(line=index, status="error", errors=exc.errors))
            else:
                report.rows.append(RowResult(line=index, status=status, customer_id=customer.pk))
        if dry_run:
            transaction.set_rollback(True)
    return report


def _import_row(org: Organization, actor: Actor, row: dict[str, str]) -> tuple[str, Customer]:
    customer = None
    if row.get("tax_id"):
        customer = selectors.find_customers_by_identifier(org=org, tax_id=row["tax_id"]).first()
    status = "updated"
    if customer is None:
        customer = services.create_customer(
            org=org,
            actor=actor,
            name=row.get("name", ""),
            kind=row.get("kind") or "person",
            tax_id=row.get("tax_id", ""),
            email=row.get("email", ""),
            phone=row.get("phone", ""),
            language=_language(row.get("language", "")),
        )
        status = "created"
    address_id = None
    if any(row.get(k) for k in services.ADDRESS_FIELDS):
        address = services.add_address(
            customer=customer,
            actor=actor,
            **{k: row.get(k, "") for k in services.ADDRESS_FIELDS},
        )
        address_id = address.pk
    account_id = None
    if row.get("account_number") or row.get("meter_number"):
        account = services.create_account(
            customer=customer,
            actor=actor,
            identity_check=None,
            checked=False,
            account_number=row.get("account_number", ""),
            municipal_registration=row.get("municipal_registration", ""),
            meter_number=row.get("meter_number", ""),
            address_id=address_id,
        )
        account_id = account.pk
    if row.get("asset_code"):
        services.create_asset(
            org=org,
            actor=actor,
            code=row["asset_code"],
            kind=row.get("asset_kind", ""),
            location=row.get("asset_location", ""),
            customer_id=customer.pk,
            account_id=account_id,
        )
    return status, customer


def _language(value: str) -> str:
    from django.conf import settings

    value = value.strip().lower()
    codes = [code for code, _name in settings.LANGUAGES]
    if value and value not in codes:
        raise FieldValidationError(
            language=_("Unknown language %(value)s; use one of %(codes)s.")
            % {"value": value, "codes": ", ".join(codes)}
        )
    return value
