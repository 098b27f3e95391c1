"""Export files for the import tests, in the shape of the ready-made Datix mapping."""

import io
from datetime import date, timedelta

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.imports.models import ImportStatus, IncidentImport

HEADINGS = [
    "Ref",
    "Incident date",
    "Reported date",
    "Type",
    "Result",
    "Psychological harm",
    "Description",
    "Trust code",
]


def row(reference="W1001", *, ods="AA1", **overrides):
    """One Datix-like row (dates a week ago), with any heading overridden by name."""
    occurred = date.today() - timedelta(days=7)
    values = {
        "Ref": reference,
        "Incident date": occurred.strftime("%d/%m/%Y"),
        "Reported date": (occurred + timedelta(days=1)).strftime("%d/%m/%Y"),
        "Type": "Shoulder dystocia",
        "Result": "Low harm",
        "Psychological harm": "No harm",
        "Description": "Delay in escalating an abnormal CTG on the labour ward.",
        "Trust code": ods,
        **overrides,
    }
    return [values[heading] for heading in HEADINGS]


def csv_bytes(rows, *, headings=HEADINGS, encoding="utf-8", delimiter=",") -> bytes:
    lines = [delimiter.join(_quote(value) for value in line) for line in [headings, *rows]]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _quote(value) -> str:
    text = "" if value is None else str(value)
    return '"' + text.replace('"', '""') + '"'


def xlsx_bytes(rows, *, headings=HEADINGS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headings)
    for line in rows:
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name="export.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def problems_of(incident_import: IncidentImport) -> list[tuple]:
    return [(p["row"], p["column"], p["message"]) for p in incident_import.problems]


def checked(incident_import: IncidentImport) -> IncidentImport:
    incident_import.refresh_from_db()
    assert incident_import.status == ImportStatus.CHECKED, incident_import.error
    return incident_import
