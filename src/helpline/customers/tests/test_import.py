"""Import from CSV and XLSX: good rows imported whole, bad rows reported with the field and
reason and not half-written, a dry run writes nothing and reports the same."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from helpline.customers.importer import ImportFileError, import_customers
from helpline.customers.models import Address, Asset, Customer, ServiceAccount
from helpline.customers.selectors import asset_by_code

CSV = (
    "name;tax_id;phone;street;house_number;postcode;account_number;meter_number;asset_code;"
    "asset_kind;colour\n"
    "João Gonçalves;390.533.447-05;(11) 98765-4321;Rua Tiradentes;12;01001-000;AC-1;M-1;;;red\n"
    "Maria Souza;111.111.111-12;;Rua B;1;;AC-2;;;;\n"  # bad CPF
    "Pedro Lima;;;Rua C;2;;AC-1;;;;\n"  # account number already used by line 2
    ";;;;;;;;;;\n"
    "Prefeitura;;;;;;;;POSTE-9;street_light;\n"
)


def test_good_rows_are_imported_bad_rows_reported_and_not_half_written(tenant_b):
    report = import_customers(
        org=tenant_b.org,
        actor=tenant_b.actor,
        content=CSV.encode(),
        filename="c.csv",
        dry_run=False,
    )
    by_line = {r.line: r for r in report.rows}
    assert by_line[2].status == "created"
    assert list(by_line[3].errors) == ["tax_id"]
    assert by_line[4].errors == {"account_number": ["Another account already has this number."]}
    assert by_line[6].status == "created"
    assert (report.created, report.failed) == (2, 2)
    assert report.ignored_columns == ["colour"]
    assert sorted(Customer.objects.values_list("name", flat=True)) == [
        "João Gonçalves",
        "Prefeitura",
    ]
    assert Address.objects.count() == 1  # Pedro's address went with his refused row
    assert ServiceAccount.objects.get().meter_number == "M-1"
    assert asset_by_code(org=tenant_b.org, code="poste-9").kind == "street_light"


def test_dry_run_reports_the_same_and_writes_nothing(tenant_b):
    report = import_customers(
        org=tenant_b.org,
        actor=tenant_b.actor,
        content=CSV.encode(),
        filename="c.csv",
        dry_run=True,
    )
    assert (report.dry_run, report.created, report.failed) == (True, 2, 2)
    assert not Customer.objects.exists() and not Asset.objects.exists()


def test_a_second_import_adds_to_the_customer_found_by_tax_id(tenant_b):
    first = "name,tax_id\nJoão Gonçalves,39053344705\n"
    second = "tax_id,account_number\n390.533.447-05,AC-9\n"
    for text in (first, second):
        import_customers(
            org=tenant_b.org,
            actor=tenant_b.actor,
            content=text.encode(),
            filename="x.csv",
            dry_run=False,
        )
    assert Customer.objects.get().accounts.get().account_number == "AC-9"


def test_xlsx_files_are_read(tenant_a):
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "tax_id", "street", "municipality", "asset_code", "asset_kind"])
    sheet.append(["Mario Rossi", "RSSMRA85T10A562S", "Via Roma", "Napoli", "LP-1", "lamp"])
    sheet.append([None, None, None, None, None, None])
    buf = io.BytesIO()
    book.save(buf)
    report = import_customers(
        org=tenant_a.org,
        actor=tenant_a.actor,
        content=buf.getvalue(),
        filename="c.XLSX",
        dry_run=False,
    )
    assert report.created == 1 and report.failed == 0
    assert Customer.objects.get().tax_id_kind == "it.codicefiscale"


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"name\nx\n", "c.pdf"),
        (b"", "c.csv"),
        (b"\xff\xfe\x00bad", "c.csv"),
        (b"colour\nred\n", "c.csv"),
        (b"not a zip", "c.xlsx"),
    ],
)
def test_unreadable_files_are_refused_naming_the_file(tenant_a, content, filename):
    with pytest.raises(ImportFileError) as exc:
        import_customers(
            org=tenant_a.org,
            actor=tenant_a.actor,
            content=content,
            filename=filename,
            dry_run=False,
        )
    assert list(exc.value.errors) == ["file"]
