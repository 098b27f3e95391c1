"""Saving Babies' Lives in workbooks: one provider's quarter from its page, and each provider's
latest quarter in the MIS board workbook and the board pack."""

import calendar
import io

import openpyxl
import pytest
from django.urls import reverse

from assurance.exports import board_workbook
from assurance.sbl import services
from assurance.sbl.exports import board_tables
from assurance.sbl.models import Implementation, SblIntervention
from lmns.access import SYSTEM
from lmns.models import Role
from quality.board_packs import board_pack_workbook, pack_sources
from tests.assurance.sbl.records import answer_all, make_sbl_assessment, this_quarter
from tests.factories import make_framework, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


def _validated(world, alice, officer):
    assessment = make_sbl_assessment(world.a1, by=alice)
    answer_all(
        assessment,
        by=alice,
        overrides={"1.1": Implementation.NOT_IMPLEMENTED, "1.2": Implementation.NOT_APPLICABLE},
    )
    services.sbl_assessment_submit(assessment=assessment, by=alice)
    return services.sbl_assessment_validate(assessment=assessment, by=officer, accept=True)


def _values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _text(sheet) -> str:
    return "\n".join(str(value) for row in _values(sheet) for value in row if value is not None)


def test_a_quarter_downloads_as_a_workbook_that_prints_readably(client, world, alice, officer):
    assessment = _validated(world, alice, officer)
    total = SblIntervention.objects.count()
    client.force_login(alice)
    page = client.get(assessment.get_absolute_url()).content.decode()
    url = reverse("assurance:sbl-workbook", kwargs={"pk": assessment.pk})
    assert url in page

    response = client.get(url)
    assert response["Content-Disposition"] == f'attachment; filename="sbl-AA1-{this_quarter():%Y-%m}.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Summary", "Interventions"]
    summary = _text(workbook["Summary"])
    assert "Validated by the LMNS on" in summary
    assert f"Overall: {(total - 2) * 100 // (total - 1)}% ({total - 2} of {total - 1} applicable" in summary
    # Element 1 has one of its interventions not applicable and one not implemented.
    first = SblIntervention.objects.filter(element__number=1).count()
    assert f"{(first - 2) * 100 // (first - 1)}% ({first - 2} of {first - 1} applicable" in summary
    assert f"{total} of the {total} interventions asked have wording NOT checked" in summary

    rows = _values(workbook["Interventions"])
    header = rows.index(["Element", "Code", "Intervention", "Wording checked", "Implementation", "Note",
                         "Evidence items"])  # fmt: skip
    body = rows[header + 1 :]
    assert len(body) == total
    assert body[0][:2] == ["1. Smoking in pregnancy", "1.1"]
    assert (body[0][3], body[0][4]) == ("NO", "Not implemented")
    # Printed: landscape, one page wide, the header row repeated on every page, text wrapped.
    for sheet in workbook:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == f"${header + 1}:${header + 1}"
        assert sheet.cell(row=header + 2, column=2).alignment.wrap_text


def test_the_workbook_is_only_for_those_who_see_the_provider_and_costs_fixed_queries(
    client, world, alice, officer, django_assert_max_num_queries
):
    assessment = _validated(world, alice, officer)
    url = reverse("assurance:sbl-workbook", kwargs={"pk": assessment.pk})
    client.force_login(officer)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    client.force_login(make_user(provider=world.b1, role=Role.PROVIDER_LEAD))
    assert client.get(url).status_code == 404


def test_the_mis_board_workbook_shows_each_provider_s_latest_quarter(world, alice, officer):
    _validated(world, alice, officer)
    framework = make_framework(actions=6, requirements=1)
    framework.actions.filter(code="A6").update(code="SA6")
    workbook = board_workbook(
        framework=framework, providers=[world.a1, world.a2], lmns=world.lmns_a, generated_by=officer
    )
    assert workbook.sheetnames[-2:] == ["Saving Babies' Lives", "SBL interventions"]
    saved = io.BytesIO()
    workbook.save(saved)
    workbook = openpyxl.load_workbook(saved)
    summary = _values(workbook["Saving Babies' Lives"])
    a1 = next(row for row in summary if row[0] == world.a1.name)
    total = SblIntervention.objects.count()
    assert a1[2].startswith("Validated by the LMNS on")
    assert a1[3] == f"{(total - 2) * 100 // (total - 1)}% ({total - 2} of {total - 1})"
    assert next(row for row in summary if row[0] == world.a2.name)[1] == "No quarter assessed"
    interventions = _values(workbook["SBL interventions"])
    second = next(row for row in interventions if row[0] == world.a1.name and row[2] == "1.2")
    assert [second[1], *second[4:]] == ["1. Smoking in pregnancy", "NO", "Not applicable"]
    assert sum(row[0] == world.a1.name for row in interventions) == total


def test_a_framework_without_safety_action_6_has_no_saving_babies_lives_sheets(world, alice, officer):
    _validated(world, alice, officer)
    workbook = board_workbook(
        framework=make_framework(), providers=[world.a1], lmns=world.lmns_a, generated_by=officer
    )
    assert "Saving Babies' Lives" not in workbook.sheetnames


def test_the_board_pack_shows_the_quarter_of_its_month(world, alice, officer):
    assessment = _validated(world, alice, officer)
    month = assessment.quarter_start
    workbook = board_pack_workbook(
        sources=pack_sources(user=SYSTEM, providers=[world.a1, world.a2], month=month),
        title="Pack",
        generated_by=officer,
    )
    assert workbook.sheetnames.index("Saving Babies' Lives") == len(workbook.sheetnames) - 3
    text = _text(workbook["Saving Babies' Lives"])
    assert assessment.quarter_label in text and "Worked out now" in text
    last_day = calendar.monthrange(month.year, month.month)[1]
    assert f"each provider's latest quarter to {last_day} {month:%B %Y}" in text
    rows = _values(workbook["SBL interventions"])
    assert sum(row[0] == world.a1.name for row in rows) == SblIntervention.objects.count()


def test_the_board_reads_each_quarter_s_position_in_words(world, alice, officer):
    assessment = make_sbl_assessment(world.a1, by=alice)
    answer_all(assessment, by=alice)

    def position():
        tables = board_tables(providers=[world.a1], on=assessment.quarter_start)
        return tables.summary_rows[0][2]

    assert position() == "Self-assessment in progress"
    services.sbl_assessment_submit(assessment=assessment, by=alice)
    assert position() == "Self-assessed: awaiting LMNS validation"
    services.sbl_assessment_validate(
        assessment=assessment, by=officer, accept=False, comment="Show the audit."
    )
    assert position() == "Self-assessed: challenged by the LMNS, back with the provider"
