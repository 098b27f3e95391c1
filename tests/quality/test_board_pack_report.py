"""The board pack's monthly report: the month as the board's perinatal report reads it, kept
in the snapshot, printable, and in a fixed number of queries per provider."""

import io
import re
import subprocess
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from lmns.access import SYSTEM
from lmns.models import QualitySnapshot
from quality import board_packs
from tests.assurance.oversight.records import make_concern
from tests.assurance.test_exports import soffice
from tests.factories import make_incident, make_unit
from tests.workforce.champions.factories import make_champion_action, make_champions_meeting, make_walkabout
from tests.workforce.perinatal.factories import birth_site, make_perinatal_return
from workforce.perinatal import services as perinatal_services
from workforce.perinatal.models import OutcomeSignal

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)


def _month(trust, today):
    make_perinatal_return(trust.provider, month=OCTOBER)
    make_incident(trust.provider, physical_harm="moderate", occurred_on=date(2026, 10, 12))
    make_concern(trust.provider, by=trust.lead, due_in_days=-3)
    # A national signal raised a month ago: its check, due eight working days later, is overdue.
    perinatal_services.national_signal_record(
        provider=trust.provider, unit=birth_site(trust.provider), by=trust.lead,
        measure="term_stillbirths", level="red",
        month=OCTOBER, raised_on=today - timedelta(days=30),
    )  # fmt: skip


def _report(client, trust):
    client.force_login(trust.board)
    url = reverse("lmns:board-pack-workbook", kwargs={"ods_code": "QQA"}) + "?month=2026-10"
    response = client.get(url)
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Monthly report"]
    return response, sheet, {row[2]: row for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]}


def test_the_report_reads_as_the_boards_monthly_report(client, trust, today):
    _month(trust, today)
    _response, sheet, rows = _report(client, trust)
    assert rows["Stillbirths"][1:4] == (
        "Deaths and their reviews",
        "Stillbirths",
        "2.68 per 1,000 (1 of 373 births)",
    )
    assert rows["Perinatal deaths reviewed with PMRT"][3] == "2"
    assert rows["Moderate or worse harm (physical or psychological)"][1:4] == (
        "Incidents",
        rows["Moderate or worse harm (physical or psychological)"][2],
        "1",
    )
    assert rows["Referred to MNSI"][1] == "Incidents"
    # Training by staff group: the lowest group is named, as on the quality view.
    training = [
        row for label, row in rows.items() if row[1] == "Staffing and training" and "(" in str(row[3])
    ]
    assert training
    assert rows["Friends and Family Test positive"][3] == "93.8% (150 of 160 responses)"
    assert rows["Obstetric rota gaps (shifts not filled)"][1:4] == (
        "Staffing and training",
        "Obstetric rota gaps (shifts not filled)",
        "3",
    )
    assert rows["Complaints received"][3] == "4"
    assert rows["External concerns with a response overdue"][3:5] == ("1", "Red")
    signal = next(
        row for row in rows.values() if row[1] == "Outcome signals and their critical safety checks"
    )
    assert "overdue" in signal[3] and signal[4] == "Red"
    # The overdue check is filled red; the sections come in the board's order.
    signal_row = next(cell.row for cell in sheet["C"] if cell.value == signal[2])
    assert sheet.cell(signal_row, 5).fill.fgColor.rgb.endswith("F7D4D1")
    sections = [row[1] for row in rows.values()]
    assert (
        sections.index("Deaths and their reviews")
        < sections.index("Incidents")
        < sections.index("Outcome signals and their critical safety checks")
    )


def test_a_month_without_a_return_shows_no_rota_gaps_as_none(client, trust, today):
    # Before its return is in, "0" read as a month with every rota shift filled.
    _response, _sheet, rows = _report(client, trust)
    assert rows["Monthly return"][3] == "Not yet submitted"
    assert rows["Obstetric rota gaps (shifts not filled)"][3] == "Not yet submitted"


def _walkabouts(provider, today):
    """A walkabout in October with one action overdue and one open, one in November (not the
    pack's month), and an action from a champions' meeting."""
    unit = make_unit(provider, "Labour ward")
    october = make_walkabout(provider, unit=unit, held_on=date(2026, 10, 14))
    make_champion_action(october, due_on=today - timedelta(days=3))
    make_champion_action(october, due_on=today + timedelta(days=10))
    make_walkabout(provider, unit=unit, held_on=date(2026, 11, 4))
    make_champion_action(make_champions_meeting(provider, held_on=date(2026, 11, 2)))
    return october


def test_staff_voice_sits_beside_families_with_each_walkabout_linked(client, trust, today):
    _month(trust, today)
    october = _walkabouts(trust.provider, today)
    _response, _sheet, rows = _report(client, trust)
    feedback = "Feedback from families and staff"
    assert rows["Safety champions' walkabouts held in the month"][1:4] == (
        feedback,
        "Safety champions' walkabouts held in the month",
        "1",
    )
    walkabout = rows["Walkabout: Labour ward, 14 October 2026"]
    assert walkabout[3:6] == ("2 actions open, 1 overdue", "Red", "1 action from it overdue today")
    assert walkabout[6] == settings.SITE_URL.rstrip("/") + october.get_absolute_url()
    assert rows["“You said, we did” actions open (walkabouts and champions' meetings)"][3] == "3"
    assert rows["“You said, we did” actions overdue"][3:6] == ("1", "Red", "1 action overdue today")
    # Staff sit with families: after the MNVP's rows, before the external concerns.
    labels = list(rows)
    assert (
        labels.index("MNVP feedback awaiting the provider's response")
        < labels.index("Safety champions' walkabouts held in the month")
        < labels.index("External concerns open")
    )
    client.force_login(trust.board)
    page = client.get(
        reverse("lmns:board-pack", kwargs={"ods_code": "QQA"}) + "?month=2026-10"
    ).content.decode()
    assert f'<a href="{october.get_absolute_url()}">2 actions open, 1 overdue' in page
    quality = client.get(reverse("lmns:quality-provider", kwargs={"ods_code": "QQA"}) + "?month=2026-10")
    assert (
        f'<a href="{october.get_absolute_url()}">14 October 2026, Labour ward</a>' in quality.content.decode()
    )


def test_every_row_of_the_report_links_to_its_records(client, trust, today):
    """As the domain sheets do: the record's full address, which the spreadsheet follows."""
    _month(trust, today)
    _walkabouts(trust.provider, today)
    _response, sheet, rows = _report(client, trust)
    assert rows["Measure"][6] == "Records"  # the header
    links = {row[6] for label, row in rows.items() if label != "Measure"}
    assert "" not in links and None not in links
    for link in links:
        assert link.startswith(settings.SITE_URL)
        path = link.removeprefix(settings.SITE_URL.rstrip("/"))
        assert client.get(path).status_code == 200, link
    signal = OutcomeSignal.objects.get()
    signal_row = next(cell.row for cell in sheet["D"] if cell.value and "overdue, due" in str(cell.value))
    assert (
        sheet.cell(signal_row, 7).hyperlink.target
        == settings.SITE_URL.rstrip("/") + signal.get_absolute_url()
    )
    concerns = rows["External concerns with a response overdue"][6]
    assert concerns.endswith("/assurance/concerns/?provider=QQA&overdue=true")


def test_the_snapshot_keeps_the_report_as_it_was_known(client, trust, today):
    _month(trust, today)
    board_packs.snapshots_take(today=date(2026, 11, 16))
    # A correction after the freeze: the frozen pack still shows the complaints as they were.
    snapshot = QualitySnapshot.objects.get(provider=trust.provider, month=OCTOBER)
    from workforce.perinatal.models import PerinatalReturn

    PerinatalReturn.objects.filter(workforce_return__provider=trust.provider).update(complaints=40)
    _response, _sheet, rows = _report(client, trust)
    assert rows["Complaints received"][3] == "4"
    assert snapshot.content[board_packs.REPORT]


def test_a_snapshot_from_before_the_report_says_so(client, trust, today):
    _month(trust, today)
    board_packs.snapshots_take(today=date(2026, 11, 16))
    snapshot = QualitySnapshot.objects.get(provider=trust.provider, month=OCTOBER)
    del snapshot.content[board_packs.REPORT]
    snapshot.save()
    _response, _sheet, rows = _report(client, trust)
    assert rows["Perinatal figures"][3] == "Not kept in this month's snapshot"
    assert "Complaints received" not in rows


def test_the_report_takes_the_same_queries_however_much_data(client, trust, today):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            board_packs.pack_sources(user=SYSTEM, providers=[trust.provider, trust.sibling], month=OCTOBER)
        return len(captured)

    make_perinatal_return(trust.sibling, month=OCTOBER)
    few = queries()
    _month(trust, today)
    _walkabouts(trust.provider, today)
    _walkabouts(trust.sibling, today)
    for number in range(3):
        make_incident(trust.sibling, physical_harm="severe", occurred_on=date(2026, 10, 3 + number))
        make_concern(trust.sibling, by=trust.lead, due_in_days=-number - 1, reference=f"R28-{number}")
    assert queries() == few


def test_the_report_prints_readably_on_a4_landscape(client, trust, today, tmp_path):
    _month(trust, today)
    response, sheet, _rows = _report(client, trust)
    assert sheet.page_setup.orientation == "landscape"
    assert sum(sheet.column_dimensions[c].width for c in "ABCDEFG") <= 155
    source = tmp_path / "pack.xlsx"
    source.write_bytes(response.content)
    pdf = soffice(tmp_path, source, "pdf") / "pack.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert pdf.read_bytes().startswith(b"%PDF") and fonts


def test_the_board_pack_page_shows_the_report_with_overdue_checks_in_red(client, trust, today):
    _month(trust, today)
    client.force_login(trust.board)
    page = client.get(reverse("lmns:board-pack", kwargs={"ods_code": "QQA"}) + "?month=2026-10")
    text = page.content.decode()
    assert "Monthly report" in text
    assert text.index("Stillbirths") < text.index("Perinatal deaths reviewed with PMRT")
    signals = text[text.index("Outcome signals and their critical safety checks") :]
    # The design system's tag macro puts its text on a line of its own.
    assert re.search(r'nhsuk-tag--red">\s*Red\s*</strong>', signals[: signals.index("</table>")])
    assert "2.68 per 1,000 (1 of 373 births)" in text
