"""Offline returns: download, fill in, upload; every bad row reported, and then nothing applied."""

import io
import zipfile
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assurance import services
from assurance.models import RequirementAssessment, Status, Verification
from assurance.returns import HEADINGS, return_apply, return_parse, return_workbook
from lmns.models import Role
from tests.assurance.test_exports import build_framework, soffice

pytestmark = pytest.mark.django_db

PLAN = {
    "Action plan": "Recruit two fetal monitoring midwives",
    "Action owner": "Director of Midwifery",
    "Action plan due": date(2027, 3, 31),
}


@pytest.fixture
def lead(world):
    return world.personas[f"provider:{Role.PROVIDER_LEAD}"]


@pytest.fixture
def framework(world, lead):
    framework = build_framework("mis-returns")
    for provider in world.providers:
        services.assessment_start(provider=provider, framework=framework, by=lead)
    return framework


@pytest.fixture
def assessment(world, framework):
    return world.a1.assessments.get(framework=framework)


def item(assessment, code):
    return assessment.items.get(requirement__code=code)


def download(assessment):
    buffer = io.BytesIO()
    return_workbook(assessment=assessment, generated_by=None).save(buffer)
    buffer.seek(0)
    return load_workbook(buffer)


def upload(workbook, name="return.xlsx"):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def fill(workbook, code, **values):
    """Type values into the row of requirement ``code``, by column heading."""
    sheet = workbook["Return"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[2].value == code)
    for heading, value in values.items():
        row[HEADINGS.index(heading.replace("_", " "))].value = value
    return row[0].row


def snapshot(assessment):
    return list(
        RequirementAssessment.objects.filter(assessment__provider=assessment.provider)
        .order_by("pk")
        .values("pk", "status", "commentary", "action_plan", "action_owner", "action_due_on", "verification")
    )


def errors_of(assessment, workbook, **kwargs):
    return [
        str(error) for error in return_parse(assessment=assessment, file=upload(workbook, **kwargs)).errors
    ]


# --- Download ---------------------------------------------------------------------------------


def test_return_has_instructions_then_a_row_per_requirement(assessment):
    workbook = download(assessment)
    sheet = workbook["Return"]
    rows = list(sheet.iter_rows(values_only=True))

    assert workbook.sheetnames == ["Instructions", "Return"]
    assert workbook["Instructions"]["A1"].value == (
        "Aardvark Hospitals NHS Trust: Maternity Incentive Scheme (Year 7)"
    )
    assert list(rows[0]) == HEADINGS
    assert [(row[1], row[2], row[4]) for row in rows[1:]] == [
        ("SA1", "1.1", "Not started"),
        ("SA1", "1.2", "Not started"),
        ("SA2", "2.1", "Not started"),
        ("SA2", "2.2", "Not started"),
        ("SA3", "3.1", "Not started"),
    ]
    assert [row[0] for row in rows[1:]] == list(
        assessment.items.order_by("requirement__action__order", "requirement__order").values_list(
            "pk", flat=True
        )
    )


def test_status_is_a_drop_down_and_only_the_answers_are_editable(assessment):
    sheet = download(assessment)["Return"]
    (validation,) = sheet.data_validations.dataValidation

    assert validation.type == "list"
    assert validation.formula1 == '"Not started,Not met,Partially met,Met,Not applicable"'
    assert str(validation.sqref) == "E2:E6"
    assert validation.showErrorMessage
    assert validation.error == "Choose one of the statuses in the list."
    assert sheet.column_dimensions["A"].hidden
    assert sheet.protection.sheet
    assert sheet["A2"].protection.locked and sheet["D2"].protection.locked
    assert not any(cell.protection.locked for cell in sheet[2][4:])
    assert sheet["J2"].number_format == "dd/mm/yyyy"
    assert sheet.freeze_panes == "B2"
    assert sheet.print_title_rows == "$1:$1"


def test_text_that_looks_like_a_formula_is_downloaded_as_text(assessment, lead):
    services.item_update(item=item(assessment, "1.1"), by=lead, status=Status.MET, commentary="=SUM(A1:A9)")
    sheet = download(assessment)["Return"]

    assert sheet["G2"].value == "=SUM(A1:A9)"
    assert sheet["G2"].data_type == "s"


# --- Round trip -------------------------------------------------------------------------------


def test_round_trip_applies_the_changes(assessment, lead):
    workbook = download(assessment)
    fill(workbook, "1.1", Status="Met", Commentary="Every death reviewed with PMRT.")
    fill(workbook, "1.2", Status="partially met", **PLAN)  # labels are not case-sensitive
    fill(workbook, "2.2", Status="Not applicable", Not_applicable_reason="No neonatal unit on site")
    fill(
        workbook,
        "3.1",
        Status="Not met",
        **{**PLAN, "Action plan due": "30/06/2027"},  # typed as text, the UK way
    )

    changed = return_apply(assessment=assessment, file=upload(workbook), by=lead)

    assert changed == 4
    one, two, na, three = (item(assessment, code) for code in ("1.1", "1.2", "2.2", "3.1"))
    assert (one.status, one.commentary, one.updated_by) == (
        Status.MET,
        "Every death reviewed with PMRT.",
        lead,
    )
    assert (two.status, two.action_owner, two.action_due_on) == (
        Status.PARTIALLY_MET,
        "Director of Midwifery",
        date(2027, 3, 31),
    )
    assert (na.status, na.not_applicable_reason) == (Status.NOT_APPLICABLE, "No neonatal unit on site")
    assert three.action_due_on == date(2027, 6, 30)
    assert item(assessment, "2.1").status == Status.NOT_STARTED


def test_uploading_the_same_return_again_changes_nothing(assessment, lead):
    workbook = download(assessment)
    fill(workbook, "1.1", Status="Met")
    return_apply(assessment=assessment, file=upload(workbook), by=lead)

    assert return_apply(assessment=assessment, file=upload(workbook), by=lead) == 0


def test_a_changed_position_goes_back_to_not_submitted(assessment, lead, world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    one, two = item(assessment, "1.1"), item(assessment, "1.2")
    for each in (one, two):
        services.item_update(item=each, by=lead, status=Status.MET)
    services.assessment_submit(items=assessment.items.filter(pk__in=[one.pk, two.pk]), by=lead)
    for each in (one, two):
        services.item_verify(item=each, by=officer, accept=True)
    workbook = download(assessment)
    fill(workbook, "1.1", Commentary="Added after verification")

    assert return_apply(assessment=assessment, file=upload(workbook), by=lead) == 1

    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.verification, one.verified_by) == (Verification.NOT_SUBMITTED, None)
    assert two.verification == Verification.ACCEPTED  # untouched rows keep their verification


def test_an_untouched_return_keeps_verified_positions(assessment, lead, world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    one = item(assessment, "1.1")
    # As a browser sends a textarea, with Windows line endings and a trailing space.
    services.item_update(item=one, by=lead, status=Status.MET, commentary="Line one\r\nLine two ")
    services.assessment_submit(items=[one], by=lead)
    services.item_verify(item=one, by=officer, accept=True)

    assert return_apply(assessment=assessment, file=upload(download(assessment)), by=lead) == 0

    one.refresh_from_db()
    assert one.verification == Verification.ACCEPTED


def test_formulas_typed_into_the_return_are_kept_as_text(assessment, lead):
    workbook = download(assessment)
    row = fill(workbook, "1.1", Status="Met")
    workbook["Return"].cell(row=row, column=HEADINGS.index("Commentary") + 1).value = "=1+2"
    assert workbook["Return"].cell(row=row, column=HEADINGS.index("Commentary") + 1).data_type == "f"

    return_apply(assessment=assessment, file=upload(workbook), by=lead)

    assert item(assessment, "1.1").commentary == "=1+2"


def test_dates_may_be_real_dates_or_text(assessment):
    workbook = download(assessment)
    fill(workbook, "1.1", Status="Not met", **{**PLAN, "Action plan due": datetime(2027, 1, 2, 0, 0)})
    fill(workbook, "1.2", Status="Not met", **{**PLAN, "Action plan due": "3/4/2027"})
    fill(workbook, "2.1", Status="Not met", **{**PLAN, "Action plan due": "2027-05-06"})

    parsed = return_parse(assessment=assessment, file=upload(workbook))

    assert parsed.errors == []
    dates = {row.item.requirement.code: row.fields["action_due_on"] for row in parsed.rows}
    assert dates["1.1"] == date(2027, 1, 2)
    assert dates["1.2"] == date(2027, 4, 3)
    assert dates["2.1"] == date(2027, 5, 6)


def test_rows_left_out_of_the_return_are_left_alone(assessment, lead):
    workbook = download(assessment)
    fill(workbook, "1.1", Status="Met")
    workbook["Return"].delete_rows(3, 4)  # everything but 1.1 and 3.1

    assert return_apply(assessment=assessment, file=upload(workbook), by=lead) == 1
    assert item(assessment, "1.1").status == Status.MET


def test_a_return_saved_again_by_libreoffice_still_applies(assessment, lead, tmp_path):
    workbook = download(assessment)
    fill(workbook, "1.1", Status="Met", Commentary="+44 numbers are checked")
    fill(workbook, "3.1", Status="Not met", **PLAN)
    source = tmp_path / "return.xlsx"
    workbook.save(source)
    resaved = soffice(tmp_path, source, "xlsx:Calc MS Excel 2007 XML") / "return.xlsx"

    file = SimpleUploadedFile("return.xlsx", resaved.read_bytes())
    assert return_apply(assessment=assessment, file=file, by=lead) == 2

    assert item(assessment, "1.1").commentary == "+44 numbers are checked"
    assert item(assessment, "3.1").action_due_on == date(2027, 3, 31)


# --- Refusals ---------------------------------------------------------------------------------


def test_every_bad_row_is_reported_and_nothing_is_applied(assessment, lead, world, framework):
    before = snapshot(assessment)
    workbook = download(assessment)
    sheet = workbook["Return"]
    fill(workbook, "1.1", Status="Met", Commentary="A good row, not applied because of the others")
    fill(workbook, "1.2", Status="Done")
    fill(workbook, "2.1", Status="Not applicable")
    fill(workbook, "2.2", Status="Not met", Action_owner="x" * 201)
    fill(workbook, "3.1", Status="Partially met", **{**PLAN, "Action plan due": "31/02/2027"})
    first_id, second_id = sheet["A2"].value, sheet["A3"].value
    sheet.append([first_id, "SA1", "1.1", "", "Met"])  # row 7: a duplicate
    sheet.append([None, "SA9", "9.9", "", "Met"])  # row 8: an added row
    sheet.append([second_id, "SA1", "2.1", "", "Met"])  # row 9: ID and code disagree, and a duplicate
    sheet.append(["abc", "SA1", "1.1", "", "Met"])  # row 10

    with pytest.raises(ValidationError) as refused:
        return_apply(assessment=assessment, file=upload(workbook), by=lead)

    assert refused.value.messages == [
        "Sheet Return, row 3: Status 'Done' is not one of: "
        "Not started, Not met, Partially met, Met, Not applicable.",
        "Sheet Return, row 4: Not applicable reason: Say why this requirement does not apply.",
        "Sheet Return, row 5: Action plan: Describe the action plan for a requirement that is not met.",
        "Sheet Return, row 5: Action owner: Ensure this value has at most 200 characters (it has 201).",
        "Sheet Return, row 5: Action plan due: Enter when the action plan is due.",
        "Sheet Return, row 6: Action plan due '31/02/2027' is not a date: enter it like 31/03/2027.",
        f"Sheet Return, row 7: Item {first_id} is also on row 2: each requirement only once.",
        "Sheet Return, row 8: The Item ID is missing: rows cannot be added to a return.",
        f"Sheet Return, row 9: Item {second_id} is also on row 3: each requirement only once.",
        f"Sheet Return, row 9: The requirement code does not match item {second_id} (1.2): "
        "do not change the Item ID or requirement columns.",
        "Sheet Return, row 10: Item ID abc is not a requirement of this assessment.",
    ]
    assert snapshot(assessment) == before


def test_another_providers_item_is_refused(assessment, lead, world, framework):
    """The security check: a return can only write to its own assessment."""
    theirs = world.b1.assessments.get(framework=framework).items.get(requirement__code="1.1")
    neighbour = world.a2.assessments.get(framework=framework).items.get(requirement__code="1.1")
    before = snapshot(assessment), theirs.status, neighbour.status
    workbook = download(assessment)
    sheet = workbook["Return"]
    sheet["A2"].value = theirs.pk
    sheet["A3"].value, sheet["C3"].value = neighbour.pk, "1.1"
    sheet["A4"].value, sheet["C4"].value = 999_999, "1.1"
    for row in (2, 3, 4):
        sheet.cell(row=row, column=5).value = "Met"

    with pytest.raises(ValidationError) as refused:
        return_apply(assessment=assessment, file=upload(workbook), by=lead)

    # The same words for another provider's item as for one that does not exist.
    assert refused.value.messages == [
        f"Sheet Return, row 2: Item ID {theirs.pk} is not a requirement of this assessment.",
        f"Sheet Return, row 3: Item ID {neighbour.pk} is not a requirement of this assessment.",
        "Sheet Return, row 4: Item ID 999999 is not a requirement of this assessment.",
    ]
    theirs.refresh_from_db()
    neighbour.refresh_from_db()
    assert (snapshot(assessment), theirs.status, neighbour.status) == before


def test_changed_headings_are_refused(assessment):
    workbook = download(assessment)
    workbook["Return"]["G1"].value = "Notes"

    assert errors_of(assessment, workbook) == [
        "Sheet Return, row 1: The headings have been changed. They must be: " + ", ".join(HEADINGS) + "."
    ]


def test_a_workbook_without_the_return_sheet_is_refused(assessment):
    workbook = download(assessment)
    workbook["Return"].title = "My return"

    assert errors_of(assessment, workbook) == [
        "The workbook has no sheet called Return. Download a new return."
    ]


def _zip(entries: dict) -> bytes:
    """The same bytes on every run: they are in the test's id, which each xdist worker must
    collect alike (a zip stamped with the time of collection differed between workers)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("return.xlsx", b"", "The file is empty."),
        (
            "return.xlsx",
            b"%PDF-1.4 not a spreadsheet",
            "Upload the return as an Excel workbook (.xlsx)",
        ),
        ("return.pdf", b"%PDF-1.4 not a spreadsheet", "Upload the return as an Excel workbook (.xlsx)"),
        ("return.csv", b"Item ID,Status\n1,Met\n", "Upload the return as an Excel workbook (.xlsx)"),
        ("return.xlsx", b"PK\x03\x04 truncated zip", "Upload the return as an Excel workbook (.xlsx)"),
        (
            "return.xlsx",
            _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "not xml"}),
            "The file could not be read as an Excel workbook. Download a new return.",
        ),
    ],
)
def test_files_that_are_not_a_return_are_refused(assessment, lead, name, content, reason):
    before = snapshot(assessment)
    file = SimpleUploadedFile(name, content)

    with pytest.raises(ValidationError) as refused:
        return_apply(assessment=assessment, file=file, by=lead)

    (message,) = refused.value.messages
    assert message.startswith(reason)
    assert snapshot(assessment) == before


def test_a_return_with_a_damaged_sheet_is_refused(assessment, lead):
    buffer = io.BytesIO()
    return_workbook(assessment=assessment, generated_by=None).save(buffer)
    with zipfile.ZipFile(buffer) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    parts["xl/worksheets/sheet2.xml"] = parts["xl/worksheets/sheet2.xml"][:-300]  # cut short

    with pytest.raises(ValidationError) as refused:
        return_apply(assessment=assessment, file=SimpleUploadedFile("return.xlsx", _zip(parts)), by=lead)

    assert refused.value.messages == [
        "The file could not be read as an Excel workbook. Download a new return."
    ]


def test_a_workbook_that_unpacks_to_far_more_than_a_return_is_refused(assessment, lead):
    buffer = io.BytesIO()
    return_workbook(assessment=assessment, generated_by=None).save(buffer)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(25 * 1024 * 1024))  # zeros: a few KB packed
    assert len(buffer.getvalue()) < 200_000

    with pytest.raises(ValidationError) as refused:
        return_apply(
            assessment=assessment, file=SimpleUploadedFile("return.xlsx", buffer.getvalue()), by=lead
        )

    assert refused.value.messages == [
        "The workbook is far larger than a return. Download a new return and fill that in."
    ]


def test_a_failure_while_applying_rolls_everything_back(assessment, lead, monkeypatch):
    workbook = download(assessment)
    fill(workbook, "1.1", Status="Met")
    fill(workbook, "1.2", Status="Met")
    before = snapshot(assessment)
    real = services.item_update

    def second_fails(*, item, by, **fields):
        if item.requirement.code == "1.2":
            raise ValidationError("Someone else changed this requirement.")
        return real(item=item, by=by, **fields)

    monkeypatch.setattr(services, "item_update", second_fails)

    with pytest.raises(ValidationError) as refused:
        return_apply(assessment=assessment, file=upload(workbook), by=lead)

    assert refused.value.messages == ["Sheet Return, row 3: Someone else changed this requirement."]
    assert snapshot(assessment) == before


def wider_than_excel(assessment) -> bytes:
    buffer = io.BytesIO()
    return_workbook(assessment=assessment, generated_by=None).save(buffer)
    with zipfile.ZipFile(buffer) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    # Empty cells pack to almost nothing; openpyxl would build every one of them.
    parts["xl/worksheets/sheet2.xml"] = parts["xl/worksheets/sheet2.xml"].replace(
        b"</row>", b"<c/>" * 20_000 + b"</row>", 1
    )
    return _zip(parts)


WIDER_THAN_EXCEL = "The sheet “Return” has more than 16,384 cells in row 1; the limit is 16,384."


def test_a_return_wider_than_excel_is_refused_before_it_is_read(assessment, lead):
    before = snapshot(assessment)

    with pytest.raises(ValidationError) as refused:
        return_apply(
            assessment=assessment,
            file=SimpleUploadedFile("return.xlsx", wider_than_excel(assessment)),
            by=lead,
        )

    assert refused.value.messages == [WIDER_THAN_EXCEL]
    assert snapshot(assessment) == before


def test_the_upload_page_shows_why_a_return_is_refused(client, assessment, lead):
    before = snapshot(assessment)
    client.force_login(lead)

    response = client.post(
        reverse("assurance:return-upload", args=[assessment.pk]),
        {"file": SimpleUploadedFile("return.xlsx", wider_than_excel(assessment))},
    )

    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()
    assert WIDER_THAN_EXCEL in response.content.decode()
    assert snapshot(assessment) == before
