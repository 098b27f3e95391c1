"""The SSIG meeting pack: workbook layout, formula-safe text, LibreOffice conversion, scoping."""

import csv
import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from incidents import selectors
from incidents.exports import meeting_pack_workbook
from incidents.models import IncidentStatus, LearningStatus, ResponseType, SsigSubmission, Theme
from incidents.views import reports
from lmns.models import Role
from lmns.spreadsheets import unique_sheet_name
from tests.conftest import IN_CI, skip_or_fail
from tests.factories import make_incident, make_learning, make_meeting, make_user
from tests.printing import assert_prints_readably, smallest_pdf_points

pytestmark = pytest.mark.django_db

MEETING_ON = date(2026, 12, 3)
AGENDA_HEADINGS = [
    "Provider",
    "Title",
    "Themes",
    "Incidents: type, harm, PSII, MNSI",
    "What happened",
    "What we learned",
    "What we changed",
    "Submitted by",
    "Submitted on",
    "Late accepted",
]
HYPERLINK_TITLE = '=HYPERLINK("https://example.invalid","Click for the CTG guideline")'
SECRET_SUMMARY = "Summary that must never leave the provider"


def _theme(name):
    return Theme.objects.get(name=name)


@pytest.fixture
def pack(world):
    """A meeting of LMNS A with one item from each of its providers, both not yet held."""
    meeting = make_meeting(world.lmns_a, meeting_on=MEETING_ON, submission_deadline=date(2026, 11, 26))
    a2_lead = make_user(
        "a2-lead", role=Role.PROVIDER_LEAD, provider=world.a2, first_name="Ada", last_name="Two"
    )
    fetal, sbl = _theme("Fetal monitoring"), _theme("Saving Babies' Lives care bundle")
    a1_learning = make_learning(
        world.a1,
        status=LearningStatus.SUBMITTED,
        title=HYPERLINK_TITLE,
        themes=[fetal, sbl],
        incidents=[make_incident(world.a1, summary=SECRET_SUMMARY, local_reference="DATIX-SECRET")],
    )
    a2_learning = make_learning(
        world.a2,
        status=LearningStatus.SUBMITTED,
        title="-1+2",
        what_happened="@SUM(1,2) was typed into the handover sheet.",
        what_we_changed="+44 numbers are now checked.",
        themes=[fetal],
    )
    SsigSubmission.objects.create(
        meeting=meeting, learning=a1_learning, submitted_by=world.personas["superuser"]
    )
    SsigSubmission.objects.create(
        meeting=meeting, learning=a2_learning, submitted_by=a2_lead, late_accepted_by=_officer(world)
    )
    return {"meeting": meeting, "a1": a1_learning, "a2": a2_learning, "a2_user": a2_lead}


def _officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


def _workbook(pack, user):
    """The pack as the user would download it: built, saved and read back."""
    meeting = pack["meeting"]
    workbook = meeting_pack_workbook(
        meeting=meeting,
        submissions=selectors.ssig_agenda_submissions(meeting=meeting, user=user),
        generated_by=user,
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return load_workbook(buffer)


def _header_row(worksheet, first_heading="Provider"):
    return next(row[0].row for row in worksheet.iter_rows() if row[0].value == first_heading)


def _table(worksheet):
    header = _header_row(worksheet)
    return [[cell.value for cell in row] for row in worksheet.iter_rows(min_row=header + 1)]


# --- Workbook structure ----------------------------------------------------------------------


def test_pack_prints_each_item_once_with_its_themes(pack, world):
    """A sheet per theme printed an item of two themes three times over; the Themes column
    filters the one agenda instead."""
    workbook = _workbook(pack, _officer(world))

    assert workbook.sheetnames == ["Agenda"]
    rows = [dict(zip(AGENDA_HEADINGS, row, strict=True)) for row in _table(workbook["Agenda"])]
    assert [row["Title"] for row in rows] == [HYPERLINK_TITLE, "-1+2"]
    assert rows[0]["Themes"] == "Fetal monitoring, Saving Babies' Lives care bundle"


def test_pack_gives_each_incidents_type_harm_psii_and_mnsi(pack, world):
    incident = pack["a1"].incidents.get()
    incident.response_type = ResponseType.PSII
    incident.status = IncidentStatus.RESPONSE_UNDERWAY
    incident.mnsi_referred_on = incident.occurred_on
    incident.save()
    rows = [
        dict(zip(AGENDA_HEADINGS, row, strict=True))
        for row in _table(_workbook(pack, _officer(world))["Agenda"])
    ]

    assert rows[0]["Incidents: type, harm, PSII, MNSI"] == (
        f"{incident.incident_type}; {incident.get_physical_harm_display().lower()}, "
        f"{incident.get_psychological_harm_display().lower()}; PSII underway; MNSI decision awaited"
    )
    assert rows[1]["Incidents: type, harm, PSII, MNSI"] == "Thematic: no single incident"


def test_pack_prints_readably(pack, world):
    assert_prints_readably(_workbook(pack, _officer(world)))


def test_agenda_has_cover_lines_and_a_row_per_submission(pack, world):
    agenda = _workbook(pack, _officer(world))["Agenda"]
    cover = [agenda.cell(row=row, column=1).value for row in range(1, 5)]

    assert cover[0] == "Alpha LMNS"
    assert cover[1] == "Safety System Improvement Group: 3 December 2026"
    assert cover[2] == "Submission deadline: 26 November 2026"
    assert cover[3].startswith(f"Generated by {_officer(world).username} on ")
    rows = _table(agenda)
    assert [row[0] for row in rows] == ["Aardvark Hospitals NHS Trust", "Albatross Health NHS Trust"]
    a2_row = dict(zip(AGENDA_HEADINGS, rows[1], strict=True))
    assert a2_row["Themes"] == "Fetal monitoring"
    assert a2_row["Submitted by"] == "Ada Two"
    assert a2_row["Late accepted"] == f"Accepted by {_officer(world).username}"
    assert a2_row["Submitted on"].date() == timezone.localdate()
    assert rows[0][AGENDA_HEADINGS.index("Late accepted")] is None  # on time: left blank


def test_every_table_is_set_up_to_filter_and_print(pack, world):
    worksheet = _workbook(pack, _officer(world))["Agenda"]
    header = _header_row(worksheet)
    headings = [cell for cell in worksheet[header] if cell.value]
    last_column = headings[-1].column_letter

    assert all(cell.font.b for cell in headings)
    assert worksheet.freeze_panes == f"A{header + 1}"
    assert worksheet.auto_filter.ref == f"A{header}:{last_column}{header + 2}"
    assert worksheet.print_title_rows == f"${header}:${header}"
    assert worksheet.page_setup.orientation == "landscape"
    assert worksheet.page_setup.fitToWidth == 1
    assert worksheet.page_setup.fitToHeight == 0
    assert worksheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert worksheet.cell(row=header + 1, column=4).alignment.wrap_text is True
    # LibreOffice does not fit rows to wrapped text on opening, so the pack sets heights itself.
    assert worksheet.row_dimensions[header + 1].height >= 3 * 14


def test_agenda_headings(pack, world):
    agenda = _workbook(pack, _officer(world))["Agenda"]

    assert [cell.value for cell in agenda[_header_row(agenda)]] == AGENDA_HEADINGS


def test_formula_like_text_stays_text(pack, world):
    agenda = _workbook(pack, _officer(world))["Agenda"]
    header = _header_row(agenda)
    cells = {cell.value: cell for row in agenda.iter_rows(min_row=header + 1) for cell in row}

    for text in (
        HYPERLINK_TITLE,
        "-1+2",
        "@SUM(1,2) was typed into the handover sheet.",
        "+44 numbers are now checked.",
    ):
        assert cells[text].data_type == "s", text
        assert cells[text].quotePrefix, text


def test_pack_says_nothing_about_incidents(pack, world):
    workbook = _workbook(pack, _officer(world))
    text = " ".join(
        str(cell.value)
        for worksheet in workbook
        for row in worksheet.iter_rows()
        for cell in row
        if cell.value
    )

    assert SECRET_SUMMARY not in text
    assert "DATIX-SECRET" not in text


def test_empty_agenda_still_makes_a_valid_pack(world):
    meeting = make_meeting(world.lmns_a, meeting_on=MEETING_ON)
    workbook = meeting_pack_workbook(meeting=meeting, submissions=[], generated_by=_officer(world))
    agenda = workbook["Agenda"]

    assert workbook.sheetnames == ["Agenda"]
    assert agenda.cell(row=7, column=1).value == "No learning has been submitted that you can see."
    assert agenda.auto_filter.ref == "A6:J7"


def test_sheet_names_are_valid_and_unique():
    used = {"agenda"}
    names = [
        unique_sheet_name(name, used)
        for name in [
            "Agenda",
            "Drugs/fluids: [IV]*?\\",
            "'Quoted'",
            "A" * 40,
            "a" * 40,
            "History",
            "   ",
        ]
    ]

    assert names == [
        "Agenda (2)",
        "Drugs-fluids- -IV----",
        "Quoted",
        "A" * 31,
        "a" * 27 + " (2)",
        "History (2)",
        "Theme",
    ]
    assert all(len(name) <= 31 for name in names)


# --- LibreOffice ------------------------------------------------------------------------------


def _soffice(tmp_path, source, to):
    executable = shutil.which("soffice") or shutil.which("libreoffice")
    if not executable:
        skip_or_fail("LibreOffice (soffice) is not installed", required=IN_CI)
    result = subprocess.run(
        [
            executable,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return tmp_path / "out" / f"{source.stem}.{to.split(':')[0]}"


def test_pack_converts_to_pdf_and_reads_correctly_in_libreoffice(pack, world, tmp_path):
    source = tmp_path / "ssig-pack.xlsx"
    meeting = pack["meeting"]
    meeting_pack_workbook(
        meeting=meeting,
        submissions=selectors.ssig_agenda_submissions(meeting=meeting, user=_officer(world)),
        generated_by=_officer(world),
    ).save(source)

    pdf = _soffice(tmp_path, source, "pdf")
    assert pdf.exists()
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_size > 1000

    # The agenda as LibreOffice reads it: text that looks like a formula is shown as written.
    agenda_csv = _soffice(tmp_path, source, "csv")
    rows = list(csv.reader(agenda_csv.read_text(encoding="utf-8", errors="replace").splitlines()))
    assert rows[0][0] == "Alpha LMNS"
    table = {row[1]: row for row in rows if len(row) > 1 and row[0].endswith("NHS Trust")}
    assert set(table) == {HYPERLINK_TITLE, "-1+2"}
    assert table["-1+2"][4] == "@SUM(1,2) was typed into the handover sheet."
    assert table["-1+2"][6] == "+44 numbers are now checked."

    # As a board member reads it on paper: names and titles whole (wrapped within their column,
    # the incidents' column beside them), each item once, and text at a readable size (it printed
    # at 7 pt).
    words = re.findall(r">([^<]*)</word>", _pdftotext(pdf, "-bbox"))
    assert "Albatross" in words
    assert sum("guideline" in word for word in words) == 1
    assert smallest_pdf_points(pdf) >= 9


def _pdftotext(pdf, *options) -> str:
    if not shutil.which("pdftotext"):
        skip_or_fail("pdftotext is not installed (apt-get install poppler-utils)", required=IN_CI)
    return subprocess.run(
        ["pdftotext", *options, str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    ).stdout


# --- Scoping, through the views -----------------------------------------------------------------


def _get(view, user, **kwargs):
    request = RequestFactory().get("/")
    request.user = user
    return view(request, **kwargs)


def _download(pack, user):
    response = _get(reports.meeting_pack, user, pk=pack["meeting"].pk)
    return load_workbook(io.BytesIO(response.content))


def test_pack_download_is_an_xlsx_attachment(pack, world):
    response = _get(reports.meeting_pack, _officer(world), pk=pack["meeting"].pk)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="ssig-pack-2026-12-03.xlsx"'


def test_before_the_meeting_a_provider_sees_only_its_own_items(pack, world):
    agenda = _download(pack, pack["a2_user"])["Agenda"]

    assert [row[1] for row in _table(agenda)] == ["-1+2"]


def test_lmns_officer_sees_every_item(pack, world):
    agenda = _download(pack, _officer(world))["Agenda"]

    assert [row[1] for row in _table(agenda)] == [HYPERLINK_TITLE, "-1+2"]


def test_once_held_every_provider_of_the_lmns_sees_every_item(pack, world):
    pack["meeting"].held_at = timezone.now()
    pack["meeting"].save()
    agenda = _download(pack, pack["a2_user"])["Agenda"]

    assert [row[1] for row in _table(agenda)] == [HYPERLINK_TITLE, "-1+2"]


def test_print_page_is_scoped_like_the_pack(pack, world):
    a2_page = _get(reports.meeting_print, pack["a2_user"], pk=pack["meeting"].pk).content.decode()
    officer_page = _get(reports.meeting_print, _officer(world), pk=pack["meeting"].pk).content.decode()

    assert "-1+2" in a2_page
    assert "Click for the CTG guideline" not in a2_page
    assert "Albatross Health NHS Trust" in officer_page
    assert "Aardvark Hospitals NHS Trust" in officer_page
    assert "Saving Babies&#39; Lives care bundle" in officer_page
    assert "2 items under 2 themes" in officer_page  # the SBL item is listed twice, but is one item
    assert SECRET_SUMMARY not in officer_page


@pytest.mark.parametrize("view", [reports.meeting_pack, reports.meeting_print])
def test_other_lmns_gets_404(pack, world, view):
    charlie = make_user("b1-lead", role=Role.PROVIDER_LEAD, provider=world.b1)

    with pytest.raises(Http404):
        _get(view, charlie, pk=pack["meeting"].pk)


# --- Through the URLs (incidents/urls.py) -------------------------------------------------------


def test_pack_url_downloads_for_the_officer(client, pack, world):
    client.force_login(_officer(world))
    response = client.get(reverse("incidents:meeting-pack", kwargs={"pk": pack["meeting"].pk}))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ssig-pack-2026-12-03.xlsx"'


def test_print_url_renders_and_links_to_the_pack(client, pack, world):
    client.force_login(_officer(world))
    response = client.get(reverse("incidents:meeting-print", kwargs={"pk": pack["meeting"].pk}))

    assert response.status_code == 200
    assert reverse("incidents:meeting-pack", kwargs={"pk": pack["meeting"].pk}) in response.content.decode()


@pytest.mark.parametrize("name", ["incidents:meeting-pack", "incidents:meeting-print"])
def test_urls_are_404_for_another_lmns_and_need_sign_in(client, pack, world, name):
    url = reverse(name, kwargs={"pk": pack["meeting"].pk})
    assert client.get(url).status_code == 302

    client.force_login(make_user("b1-lead", role=Role.PROVIDER_LEAD, provider=world.b1))
    assert client.get(url).status_code == 404
