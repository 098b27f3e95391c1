"""Every kind of bad file gets a clear message, and nothing is saved."""

import io
import zipfile
from datetime import date, timedelta

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from incidents.imports import services
from incidents.models import Incident
from lmns.imports.parsing import ImportFileError, open_sheet
from tests.incidents.imports.helpers import HEADINGS, checked, csv_bytes, problems_of, row, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def check(world, alice):
    def check(data, name="export.csv"):
        before = Incident.objects.count()
        incident_import = checked(
            services.incident_import_start(
                provider=world.a1, mapping_name="datix", file=upload(data, name), by=alice
            )
        )
        assert not incident_import.can_apply
        assert Incident.objects.count() == before
        return incident_import

    return check


def only_problem(incident_import):
    assert incident_import.problem_count == 1, incident_import.problems
    return problems_of(incident_import)[0]


def test_a_missing_heading_is_named(check):
    headings = [heading for heading in HEADINGS if heading != "Incident date"]
    data = csv_bytes(
        [[v for h, v in zip(HEADINGS, row(), strict=True) if h != "Incident date"]], headings=headings
    )
    line, column, message = only_problem(check(data))
    assert (line, column) == (1, "Incident date")
    assert "The column “Incident date” (Date occurred) is missing" in message


def test_a_file_of_the_wrong_shape_lists_each_missing_heading(check):
    incident_import = check(csv_bytes([["a", "b"]], headings=["Name", "Age"]))
    assert incident_import.problem_count == 7
    assert "Columns not in the mapping, so not imported: Name, Age." in incident_import.notes


def test_a_repeated_heading_is_refused(check):
    line, column, message = only_problem(check(csv_bytes([[*row(), "x"]], headings=[*HEADINGS, "ref"])))
    assert (line, column, message) == (1, "ref", "This heading appears twice.")


@pytest.mark.parametrize(
    ("overrides", "column", "expected"),
    [
        ({"Type": "Broken leg"}, "Type", "“Broken leg” is not an incident type in use"),
        ({"Result": "Quite bad"}, "Result", "“Quite bad” is not a known physical harm"),
        ({"Psychological harm": "Fatal"}, "Psychological harm", "“Fatal” is not a known psychological harm"),
        ({"Incident date": "yesterday"}, "Incident date", "“yesterday” is not a date"),
        ({"Incident date": "2026-13-01"}, "Incident date", "“2026-13-01” is not a date"),
        ({"Incident date": ""}, "Incident date", "Enter the date occurred."),
        ({"Description": " "}, "Description", "Enter the what happened."),
        ({"Trust code": "BB1"}, "Trust code", "“BB1” is not Aardvark Hospitals NHS Trust's ODS code (AA1)"),
        ({"Trust code": ""}, "Trust code", "An empty code is not Aardvark Hospitals NHS Trust's ODS code"),
        ({"Description": '=HYPERLINK("http://x")'}, "Description", "The text starts with “=”"),
        ({"Description": "@SUM(A1)"}, "Description", "The text starts with “@”"),
        ({"Description": "-cmd|' /C calc'!A0"}, "Description", "The text starts with “-”"),
    ],
)
def test_a_bad_cell_is_reported_with_its_row_and_column(check, overrides, column, expected):
    line, where, message = only_problem(check(csv_bytes([row("W1"), row("W2", **overrides)])))
    assert (line, where) == (3, column)
    assert message.startswith(expected), message


def test_future_dates_are_refused_as_the_form_refuses_them(check):
    tomorrow = (date.today() + timedelta(days=2)).strftime("%d/%m/%Y")
    incident_import = check(csv_bytes([row("W1", **{"Incident date": tomorrow, "Reported date": tomorrow})]))
    messages = sorted(problem[2] for problem in problems_of(incident_import))
    assert messages == [
        "The date occurred cannot be in the future.",
        "The date reported cannot be in the future.",
    ]


def test_duplicate_references_name_the_first_row(check):
    line, column, message = only_problem(check(csv_bytes([row("W1"), row("W2"), row("w1")])))
    assert (line, column, message) == (4, "Ref", "Reference w1 is also on row 2.")


def test_formulas_in_a_workbook_are_refused_never_evaluated(check):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([*HEADINGS, "Notes"])
    sheet.append(row("W1"))
    sheet.append([*row("W2")[:6], "=1+1", "AA1", '=WEBSERVICE("http://x")'])
    buffer = io.BytesIO()
    workbook.save(buffer)
    incident_import = check(buffer.getvalue(), "export.xlsx")
    assert [(line, column) for line, column, _ in problems_of(incident_import)] == [
        (3, "Description"),
        (3, "Column I"),
    ]
    assert all("formula" in message for *_, message in problems_of(incident_import))


def test_an_empty_file_is_refused_before_it_is_kept(world, alice):
    with pytest.raises(ValidationError, match="The file is empty"):
        services.incident_import_start(provider=world.a1, mapping_name="datix", file=upload(b""), by=alice)


def test_a_file_with_headings_and_no_rows_has_nothing_to_import(check):
    assert (
        only_problem(check(csv_bytes([])))[2] == "The file has column headings but no incidents under them."
    )


def test_a_file_of_blank_lines_has_no_headings(check):
    problem = only_problem(check(b"\r\n\r\n"))
    assert problem[1:] == ("", "The first row is empty: it must hold the column headings.")


def test_fifty_megabytes_of_junk_is_refused_on_size_alone(world, alice):
    junk = io.BytesIO(b"\x07\xff" * (25 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="the largest file that can be imported is 20 MB"):
        open_sheet(junk)
    with pytest.raises(ValidationError, match="largest file"):
        services.incident_import_start(
            provider=world.a1, mapping_name="datix", file=upload(junk.getvalue()), by=alice
        )


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"%PDF-1.4\n%\x00\x01\x02\x03" * 50, "export.csv", "The file is not a spreadsheet"),
        (bytes(range(256)) * 40, "export.xlsx", "The file is not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "export.xls", "older Excel file (.xls)"),
        (b"PK\x03\x04 not really a zip", "export.xlsx", "damaged or is not an Excel workbook"),
        ("Ref,Type\n".encode("utf-16"), "export.csv", "UTF-16"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_says_so(check, data, name, expected):
    assert expected in only_problem(check(data, name))[2]


def test_a_zip_that_is_not_a_workbook_says_so(check):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "not an Excel workbook" in only_problem(check(buffer.getvalue(), "export.xlsx"))[2]


def test_a_workbook_with_a_broken_sheet_says_so(check):
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([row()]))) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data[:40] if item.filename == "xl/worksheets/sheet1.xml" else data)
    assert "could not be read" in only_problem(check(buffer.getvalue(), "export.xlsx"))[2]


def test_a_workbook_wider_than_excel_is_refused_before_it_is_read(check):
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([row()]))) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                # Empty cells pack to almost nothing; openpyxl would build every one of them.
                data = data.replace(b"</row>", b"<c/>" * 20_000 + b"</row>", 1)
            target.writestr(item, data)
    problem = only_problem(check(buffer.getvalue(), "export.xlsx"))
    assert problem[2] == "The sheet “Sheet” has more than 16,384 cells in row 1; the limit is 16,384."


@pytest.mark.parametrize(
    ("encoding", "bom", "assumed"),
    [
        ("utf-8", b"", "UTF-8."),
        ("utf-8", b"\xef\xbb\xbf", "UTF-8 (with a byte order mark)."),
        ("cp1252", b"", "Windows-1252"),
    ],
)
def test_csv_encodings_are_detected_and_named(world, alice, encoding, bom, assumed):
    data = bom + csv_bytes([row("W1", Description="Café staff paged at 03:10, £0 cost")], encoding=encoding)
    incident_import = checked(
        services.incident_import_start(provider=world.a1, mapping_name="datix", file=upload(data), by=alice)
    )
    assert incident_import.problem_count == 0, incident_import.problems
    assert any(
        note.startswith("The CSV file was read as " + assumed.rstrip(".")) for note in incident_import.notes
    )
    services.incident_import_apply_start(incident_import=incident_import, by=alice)
    assert Incident.objects.get(local_reference="W1").summary == "Café staff paged at 03:10, £0 cost"


def test_a_csv_neither_utf8_nor_windows_1252_is_read_as_latin1(world, alice):
    # 0x81 is unassigned in Windows-1252.
    data = csv_bytes([row("W1", Description="Ward \x81 note")], encoding="latin-1")
    incident_import = checked(
        services.incident_import_start(provider=world.a1, mapping_name="datix", file=upload(data), by=alice)
    )
    assert any("Latin-1" in note for note in incident_import.notes)


def test_semicolon_separated_csv_is_read(world, alice):
    data = csv_bytes([row("W1")], delimiter=";")
    incident_import = checked(
        services.incident_import_start(provider=world.a1, mapping_name="datix", file=upload(data), by=alice)
    )
    assert (incident_import.problem_count, incident_import.to_create) == (0, 1)
