"""SCORE pages: a wave mapped by spreadsheet and its results imported, a setting with four
responses showing nothing on any surface, what the LMNS reads and does not, and query counts."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.workforce.score.factories import (
    make_action,
    make_debrief,
    make_setting,
    make_wave,
    results_rows,
    xlsx_upload,
)
from workforce.score.models import ScoreSetting, ScoreWave
from workforce.score.reference import domains

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CODES = domains().codes
# Values that appear nowhere else on the pages, so that finding one means a leak.
SMALL_TEAM = [13.7, 14.3, 15.9, 16.1, 17.3, 18.9, 19.7]


def _cells(response) -> list:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [
        value for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for value in row
    ]


def _date(name, value):
    return {f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year}


def test_a_lead_maps_a_wave_by_spreadsheet_and_imports_its_results(client, world, alice):
    client.force_login(alice)
    response = client.post(
        reverse("workforce:score-wave-create"),
        {
            "provider": world.a1.pk,
            "name": "Wave 3",
            **_date("opens_on", TODAY - timedelta(days=40)),
            **_date("closes_on", TODAY - timedelta(days=10)),
        },
    )
    wave = ScoreWave.objects.get()
    assert response.url == wave.get_absolute_url()

    template = client.get(reverse("workforce:score-mapping-template", args=[wave.pk]))
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(template.content))
    sheet = workbook.active
    header = next(
        row for row in sheet.iter_rows() if [c.value for c in row[:2]] == ["Work setting", "Headcount"]
    )
    sheet.cell(row=header[0].row + 1, column=1, value="Labour ward")
    sheet.cell(row=header[0].row + 1, column=2, value=40)
    sheet.cell(row=header[0].row + 2, column=1, value="Community team")
    sheet.cell(row=header[0].row + 2, column=2, value=9)
    filled = io.BytesIO()
    workbook.save(filled)
    filled = SimpleUploadedFile("mapping.xlsx", filled.getvalue())
    response = client.post(reverse("workforce:score-mapping-upload", args=[wave.pk]), {"file": filled})
    assert response.status_code == 302, response.context["problems"] or response.context["form"].errors
    assert sorted(wave.settings.values_list("name", "headcount")) == [
        ("Community team", 9),
        ("Labour ward", 40),
    ]

    url = reverse("workforce:score-results-import", args=[wave.pk])
    page = client.get(url)
    columns = page.context["form"].initial["columns"]
    upload = xlsx_upload(
        results_rows([("Labour ward", 22, [71, 66, 62, 58, 41, 36, 47]), ("Community team", 4, SMALL_TEAM)])
    )
    response = client.post(url, {"file": upload, "columns": columns})
    assert response.status_code == 302

    page = client.get(wave.get_absolute_url()).content.decode()
    assert "71.0%" in page
    assert "Fewer than 5 responses: results not shown" in page
    assert "not been checked against the survey" in page
    for value in SMALL_TEAM:
        assert str(value) not in page
    cells = _cells(client.get(reverse("workforce:score-results-xlsx", args=[wave.pk])))
    assert 71.0 in cells
    assert "Fewer than 5 responses: results not shown" in cells
    assert not {value for value in SMALL_TEAM} & {c for c in cells if isinstance(c, float)}
    # The response rate, text, is set right as the counts beside it, or it reads on from them.
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("workforce:score-results-xlsx", args=[wave.pk])).content)
    )["Results"]
    rates = [cell for cell in next(sheet.iter_cols(min_col=4, max_col=4)) if str(cell.value).endswith("%")]
    assert rates and all(cell.alignment.horizontal == "right" for cell in rates)


def test_a_mapping_with_problems_lists_them_by_row_and_changes_nothing(client, world, alice):
    wave = make_wave(world.a1)
    make_setting(wave, "Kept", 10)
    client.force_login(alice)
    upload = xlsx_upload([["Work setting", "Headcount"], ["Labour ward", 40], ["Triage", "many"]])
    response = client.post(reverse("workforce:score-mapping-upload", args=[wave.pk]), {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The file has 1 problem, so nothing was imported." in page
    assert "Enter the headcount as a whole number from 1 to 5,000." in page
    assert list(wave.settings.values_list("name", flat=True)) == ["Kept"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04not really a zip", "The file is damaged or is not an Excel workbook."),
        (b"\xd0\xcf\x11\xe0old excel", "older Excel file (.xls)"),
        (b"\x00\x01\x02binary", "The file is not a spreadsheet"),
        (b"Ward,Staff\nTriage,3\n", "No row in the first 10 has the headings"),
    ],
)
def test_a_hostile_upload_is_refused_in_words_and_changes_nothing(client, world, alice, content, message):
    wave = make_wave(world.a1)
    make_setting(wave, "Labour ward", 40)
    client.force_login(alice)
    for name in ["score-mapping-upload", "score-results-import"]:
        data = {"file": SimpleUploadedFile("x.xlsx", content)}
        if name == "score-results-import":
            data["columns"] = "Unit = setting\nHeadcount surveyed = responses"
        response = client.post(reverse(f"workforce:{name}", args=[wave.pk]), data)
        assert response.status_code == 200, name
        assert message in response.content.decode(), name
    assert list(wave.settings.values_list("name", "responses")) == [("Labour ward", None)]


def test_a_column_mapping_without_the_setting_or_responses_is_refused(client, world, alice):
    wave = make_wave(world.a1)
    make_setting(wave, "Labour ward", 40)
    client.force_login(alice)
    upload = xlsx_upload([["Ward"], ["Labour ward"]])
    response = client.post(
        reverse("workforce:score-results-import", args=[wave.pk]),
        {"file": upload, "columns": "Ward = setting\nX = colour"},
    )
    assert "Enter our fields as listed below, not colour" in response.content.decode()


def _wave_with_everything(world, alice):
    wave = make_wave(world.a1)
    big = make_setting(wave, "Labour ward", 40, responses=22, percents={CODES[0]: "71.0"})
    make_setting(wave, "Community team", 9, responses=4, percents={CODES[0]: "13.7"})
    debrief = make_debrief(wave, big, notes="Breaks missed on busy shifts.")
    make_action(
        debrief, alice, description="Protect a break on every shift.", due_on=TODAY - timedelta(days=1)
    )
    return wave, debrief


@pytest.mark.parametrize(
    "persona", ["lmns:lmns_officer", "lmns:lmns_safety_lead", "provider:board_viewer", "superuser"]
)
def test_others_read_response_rates_and_completion_but_no_results(client, world, alice, persona):
    wave, debrief = _wave_with_everything(world, alice)
    client.force_login(world.personas[persona])
    for url in [reverse("workforce:score"), wave.get_absolute_url()]:
        page = client.get(url).content.decode()
        assert "53%" in page  # 26 responses from 49 staff
        assert "1 overdue" in page
        for secret in ["71.0", "13.7", "Breaks missed", "Protect a break"]:
            assert secret not in page, (url, secret)
    page = client.get(wave.get_absolute_url()).content.decode()
    assert "55%" in page  # 22 of 40 in the Labour ward
    assert "44%" in page  # 4 of 9: a rate, not a result
    assert client.get(reverse("workforce:score-results-xlsx", args=[wave.pk])).status_code == 403
    assert client.get(reverse("workforce:score-action-add", args=[debrief.pk])).status_code == 404


def test_the_providers_contributor_reads_results_debriefs_and_actions(client, world, alice, bob):
    wave, _debrief = _wave_with_everything(world, alice)
    client.force_login(bob)
    page = client.get(wave.get_absolute_url()).content.decode()
    for shown in ["71.0%", "Breaks missed", "Protect a break", "Overdue"]:
        assert shown in page
    assert "13.7" not in page


def test_an_action_is_added_with_an_owner_and_marked_done(client, world, alice, bob):
    wave = make_wave(world.a1)
    debrief = make_debrief(wave, make_setting(wave, responses=20))
    client.force_login(alice)
    response = client.post(
        reverse("workforce:score-action-add", args=[debrief.pk]),
        {
            "description": "Quiet room for handover.",
            "owner": bob.pk,
            **_date("due_on", TODAY + timedelta(days=7)),
        },
    )
    assert response.status_code == 302
    action = debrief.actions.get()
    assert action.owner == bob
    response = client.post(
        reverse("workforce:score-action-edit", args=[action.pk]),
        {
            "description": action.description,
            "owner": bob.pk,
            "status": "done",
            **_date("due_on", action.due_on),
        },
    )
    action.refresh_from_db()
    assert (action.status, action.done_on) == ("done", TODAY)
    # An owner outside the provider's teams is not offered.
    response = client.post(
        reverse("workforce:score-action-add", args=[debrief.pk]),
        {"description": "x", "owner": world.personas["lmns:lmns_officer"].pk, **_date("due_on", TODAY)},
    )
    assert "Select the owner" in response.content.decode()


def test_pages_take_the_same_queries_however_many_waves_and_settings(
    client, world, alice, django_assert_max_num_queries
):
    client.force_login(alice)
    wave, _ = _wave_with_everything(world, alice)

    def counts():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        found = []
        for url in [reverse("workforce:score"), wave.get_absolute_url()]:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            found.append(len(captured))
        return found

    before = counts()
    for index in range(4):
        other = make_wave(world.a1, name=f"Wave {index + 10}")
        make_setting(other, "Ward", 10, responses=6)
    for index in range(6):
        setting = make_setting(
            wave, f"Setting {index}", 30, responses=10, percents={code: 50 for code in CODES}
        )
        make_action(make_debrief(wave, setting), alice)
    assert counts() == before
    with django_assert_max_num_queries(20):
        client.get(wave.get_absolute_url())


def _settings_debriefed(wave, owner, size: int, start: int = 0) -> None:
    """``size`` settings with results, each debriefed with one action overdue and one done."""
    for index in range(start, start + size):
        setting = make_setting(
            wave, f"Setting {index}", 30, responses=10 + index, percents={code: 50 for code in CODES}
        )
        debrief = make_debrief(wave, setting)
        make_action(debrief, owner, due_on=TODAY - timedelta(days=1))
        make_action(debrief, owner, status="done", done_on=TODAY)


@pytest.mark.parametrize("persona", ["lmns:lmns_officer", "lmns:lmns_safety_lead"])
def test_the_lmns_reads_a_wave_in_the_same_queries_however_many_settings(client, world, alice, persona):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    wave = make_wave(world.a1)
    _settings_debriefed(wave, alice, 2)
    make_wave(world.a2, name="Wave of another provider")
    client.force_login(world.personas[persona])

    def counts() -> list[int]:
        found = []
        for url in [reverse("workforce:score"), wave.get_absolute_url()]:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            found.append(len(captured))
        return found

    few = counts()
    _settings_debriefed(wave, alice, 6, start=2)
    for index in range(3):
        _settings_debriefed(make_wave(world.a2, name=f"Wave {index + 10}"), alice, 2)
    assert counts() == few


def test_a_setting_of_four_stays_hidden_after_a_reimport_with_more_settings(client, world, alice):
    wave = make_wave(world.a1)
    make_setting(wave, "Community team", 9)
    client.force_login(alice)
    url = reverse("workforce:score-results-import", args=[wave.pk])
    columns = client.get(url).context["form"].initial["columns"]
    client.post(
        url, {"file": xlsx_upload(results_rows([("Community team", 4, SMALL_TEAM)])), "columns": columns}
    )
    assert ScoreSetting.objects.get().responses == 4
    page = client.get(wave.get_absolute_url()).content.decode()
    assert "Fewer than 5 responses: results not shown" in page
    assert not any(str(value) in page for value in SMALL_TEAM)


def test_a_setting_named_like_a_formula_is_kept_as_text_and_written_back_as_text(client, world, alice):
    wave = make_wave(world.a1)
    client.force_login(alice)
    csv = SimpleUploadedFile(
        "mapping.csv", b'Work setting,Headcount\n"=HYPERLINK(""http://x.invalid"")",12\n'
    )
    assert (
        client.post(reverse("workforce:score-mapping-upload", args=[wave.pk]), {"file": csv}).status_code
        == 302
    )
    assert wave.settings.get().name == '=HYPERLINK("http://x.invalid")'
    template = client.get(reverse("workforce:score-mapping-template", args=[wave.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(template.content)).active
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("http://x.invalid")')
    assert cell.data_type == "s"
