"""Property test: whatever the file holds, the import ends in a result or a clean refusal,
and nothing is saved unless every row is clean."""

import csv
import io
import math
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from incidents.imports import services
from incidents.imports.models import ImportStatus, IncidentImport
from incidents.models import Incident
from tests.incidents.imports.helpers import HEADINGS, row, upload

pytestmark = pytest.mark.django_db
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

hostile_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Mn", "So", "Cs"]), max_size=20),
    st.sampled_from(
        ["=1+1", "=cmd|' /C calc'!A0", "+SUM(A1)", "@A1", "-2+3", "\u202eRLO", "\x00", "NaN", "0"]
    ),
    st.integers(min_value=1, max_value=40_000).map(lambda n: "x" * n),
)
cell = st.one_of(
    st.none(),
    hostile_text,
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.sampled_from(
        ["Low harm", "Death", "No harm", "Shoulder dystocia", "AA1", "BB1", "31/12/2025", "2025-02-30"]
    ),
)


def row_strategy():
    """A valid row with any of its cells replaced by a hostile one, sometimes extra cells."""
    return st.tuples(
        st.integers(min_value=0, max_value=10**6),
        st.dictionaries(st.sampled_from(HEADINGS), cell, max_size=4),
        st.lists(cell, max_size=3),
    ).map(lambda drawn: [*row(f"R{drawn[0]}", **drawn[1]), *drawn[2]])


def as_csv(rows, headings) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([headings, *rows])
    return buffer.getvalue().encode("utf-8", errors="surrogatepass")


def as_xlsx(rows, headings) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in [headings, *rows]:
        sheet.append([_storable(value) for value in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _storable(value):
    # What a workbook can hold at all: no control characters or lone surrogates, no NaN.
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value).encode("utf-8", "ignore").decode("utf-8")[:32_000]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int) and abs(value) > 2**53:
        return str(value)
    return datetime.combine(value, datetime.min.time()) if isinstance(value, date) else value


def import_and_try_to_apply(world, alice, data: bytes, name: str) -> None:
    before = set(Incident.objects.values_list("pk", flat=True))
    try:
        incident_import = services.incident_import_start(
            provider=world.a1, mapping_name="datix", file=upload(data, name), by=alice
        )
    except Exception as error:
        # The only refusal before checking: the file's size.
        assert type(error).__name__ == "ValidationError", error
        return
    incident_import.refresh_from_db()
    assert incident_import.status == ImportStatus.CHECKED
    # Force the apply even of a file with problems: the write itself must refuse it.
    IncidentImport.objects.filter(pk=incident_import.pk).update(status=ImportStatus.APPLYING)
    services.incident_import_apply(import_id=incident_import.pk)
    incident_import.refresh_from_db()
    after = set(Incident.objects.values_list("pk", flat=True))
    if incident_import.problem_count:
        assert incident_import.status == ImportStatus.CHECKED
        assert after == before
    else:
        assert incident_import.status == ImportStatus.APPLIED
        assert len(after - before) == incident_import.to_create


@PROPERTY
@given(data=st.binary(max_size=4096), name=st.sampled_from(["export.csv", "export.xlsx"]))
def test_random_bytes(world, alice, data, name):
    import_and_try_to_apply(world, alice, data, name)


@PROPERTY
@given(
    rows=st.lists(row_strategy(), max_size=8),
    headings=st.one_of(st.just(HEADINGS), st.permutations(HEADINGS), st.lists(hostile_text, max_size=10)),
    form=st.sampled_from([as_csv, as_xlsx]),
)
def test_random_cells(world, alice, rows, headings, form):
    name = "export.csv" if form is as_csv else "export.xlsx"
    import_and_try_to_apply(world, alice, form(rows, headings), name)


@PROPERTY
@given(data=st.binary(min_size=1, max_size=2048))
def test_a_damaged_workbook(world, alice, data):
    workbook = bytearray(as_xlsx([row("W1")], HEADINGS))
    position = len(data) % len(workbook)
    workbook[position : position + len(data)] = data
    import_and_try_to_apply(world, alice, bytes(workbook), "export.xlsx")
