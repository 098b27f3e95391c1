"""Files and records for the monthly return import tests, in the shape of the LMNS template."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from lmns.imports.models import ImportStatus
from tests.workforce.perinatal.factories import PERINATAL_FIGURES
from workforce.perinatal.imports.fields import FIELDS, presets
from workforce.perinatal.imports.models import MonthlyImportMapping, MonthlyReturnImport

TEMPLATE = presets()["lmns_template"]["columns"]
HEADING = {name: heading for heading, name in TEMPLATE.items()}
HEADINGS = list(TEMPLATE)
WORKFORCE_FIGURES = {
    "funded_midwife_wte": "200.0",
    "in_post_midwife_wte": "185.0",
    "birthrate_plus_wte": "",
    "birthrate_plus_on": "",
    "turnover_rate": "11.5",
    "funded_msw_wte": "60.0",
    "in_post_msw_wte": "55.0",
    "women_in_labour": 300,
    "one_to_one_care": 294,
    "coordinator_shifts": 62,
    "supernumerary_shifts": 60,
    "consultant_hours": "60.0",
    "preceptees": 8,
    "retention_midwife": "Yes",
}


def row(site="AA1", month="2026-01", **figures) -> list:
    """One site-month in the template's column order, with any figure overridden by field name."""
    values = {"site": site, "month": month, **WORKFORCE_FIGURES, **PERINATAL_FIGURES, **figures}
    assert set(values) == set(FIELDS), set(FIELDS) ^ set(values)
    return [values[TEMPLATE[heading]] for heading in HEADINGS]


def csv_bytes(rows, *, headings=HEADINGS) -> bytes:
    def quote(value):
        text = "" if value is None else str(value)
        return '"' + text.replace('"', '""') + '"'

    lines = [",".join(quote(value) for value in line) for line in [headings, *rows]]
    return ("\r\n".join(lines) + "\r\n").encode()


def xlsx_bytes(rows, *, headings=HEADINGS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headings)
    for line in rows:
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name="dashboard.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def make_monthly_import(provider, **fields) -> MonthlyReturnImport:
    """A checked import with one problem, so that applying it is refused and changes nothing."""
    defaults = {
        "lmns": provider.lmns,
        "mapping_name": "lmns_template",
        "mapping": {"columns": TEMPLATE},
        "original_name": f"dashboard-{provider.ods_code}.csv",
        "status": ImportStatus.CHECKED,
        "rows": 1,
        "problem_count": 1,
        "problems": [{"row": 2, "column": "Live births", "message": "“many” is not a whole number."}],
    }
    return MonthlyReturnImport.objects.create(**{"provider": provider, **defaults, **fields})


def make_monthly_mapping(provider=None, *, lmns=None, **fields) -> MonthlyImportMapping:
    owner = provider.ods_code if provider else lmns.code
    defaults = {"name": f"Dashboard of {owner}", "columns": TEMPLATE}
    return MonthlyImportMapping.objects.create(
        lmns=lmns or provider.lmns, provider=provider, **{**defaults, **fields}
    )


def monthly_import_record(world, kind: str, provider):
    """For the access matrix: the provider's import or mapping, made on first use."""
    records = world.records.setdefault(("monthly-import", provider.pk), {})
    if kind not in records:
        records[kind] = make_monthly_import(provider) if kind == "import" else make_monthly_mapping(provider)
    return records[kind]
