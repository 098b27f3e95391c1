"""A framework downloaded as a spreadsheet, edited, and uploaded to a draft: all or nothing."""

import io
from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assurance import authoring
from assurance.framework_workbook import framework_upload, framework_workbook
from assurance.models import FrameworkStatus, Requirement
from lmns.models import Role
from tests.assurance.test_exports import build_framework, soffice
from tests.factories import make_user

pytestmark = pytest.mark.django_db

REQUIREMENT_HEADINGS = [
    "Action code",
    "Code",
    "Title",
    "Requirement text",
    "Evidence guidance",
    "Threshold",
    "Due date",
    "Wording checked",
    "Replaces",
]


@pytest.fixture
def lead(world):
    return world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"]


@pytest.fixture
def draft(world, lead):
    """Year 8, copied from a published Year 7, with a new requirement and every field in use."""
    year7 = build_framework("mis-y7-sheet")
    year8 = authoring.framework_copy(source=year7, by=lead, name="MIS", version="Year 8", lmns=world.lmns_a)
    first = year8.actions.get(code="SA1")
    authoring.action_save(
        framework=year8, action=first, by=lead, summary="Typed in a browser\r\nso its lines end CRLF"
    )
    authoring.requirement_save(
        action=first,
        requirement=Requirement.objects.get(action__framework=year8, code="1.1"),
        by=lead,
        threshold="=95% of births",  # reads like a formula: must stay text
        evidence_guidance="+ audit report\n- minutes",
        due_on=date(2027, 1, 31),
        wording_checked=True,
    )
    authoring.requirement_save(
        action=year8.actions.get(code="SA3"),
        by=lead,
        code="3.2",
        title="A new requirement",
        text="Something new this year.",
        replaces=None,
    )
    return year8


def snapshot(framework):
    actions = list(framework.actions.order_by("order").values_list("pk", "code", "title", "summary", "order"))
    requirements = list(
        Requirement.objects.filter(action__framework=framework)
        .order_by("action__order", "order")
        .values_list(
            "pk",
            "action__code",
            "code",
            "title",
            "text",
            "evidence_guidance",
            "threshold",
            "due_on",
            "wording_checked",
            "replaces_id",
            "order",
        )
    )
    history = Requirement.history.filter(action__framework=framework).count()
    return actions, requirements, history


def download(framework, user) -> Workbook:
    workbook = framework_workbook(framework=framework, generated_by=user)
    return load_workbook(io.BytesIO(saved(workbook)))


def saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload_file(workbook) -> SimpleUploadedFile:
    return SimpleUploadedFile("framework.xlsx", saved(workbook))


def rows(workbook, sheet):
    found = list(workbook[sheet].iter_rows(values_only=True))
    return [dict(zip(found[0], values, strict=True)) for values in found[1:]]


def refusal(draft, workbook, lead) -> list[str]:
    before = snapshot(draft)
    with pytest.raises(ValidationError) as refused:
        framework_upload(framework=draft, file=upload_file(workbook), by=lead)
    assert snapshot(draft) == before
    return refused.value.messages


# --- Download ---------------------------------------------------------------------------------


def test_the_download_has_one_row_per_action_and_requirement_in_order(draft, lead):
    workbook = download(draft, lead)

    assert workbook.sheetnames == ["Framework", "Actions", "Requirements"]
    about = {row[0]: row[1] for row in workbook["Framework"].iter_rows(values_only=True) if row[0]}
    assert (about["Name"], about["Version"], about["Status"]) == ("MIS", "Year 8", "Draft")
    assert about["Previous version"] == "Maternity Incentive Scheme (Year 7)"
    assert about["Period start"] == datetime(2026, 4, 1)
    assert [(a["Code"], a["Title"]) for a in rows(workbook, "Actions")] == [
        ("SA1", "Safety action 1"),
        ("SA2", "Safety action 2"),
        ("SA3", "Safety action 3"),
    ]
    requirements = rows(workbook, "Requirements")
    assert list(requirements[0]) == REQUIREMENT_HEADINGS
    assert [(r["Action code"], r["Code"], r["Replaces"]) for r in requirements] == [
        ("SA1", "1.1", "1.1"),
        ("SA1", "1.2", "1.2"),
        ("SA2", "2.1", "2.1"),
        ("SA2", "2.2", "2.2"),
        ("SA3", "3.1", "3.1"),
        ("SA3", "3.2", None),
    ]
    assert requirements[0]["Due date"] == datetime(2027, 1, 31)
    assert [r["Wording checked"] for r in requirements[:2]] == ["Yes", "No"]
    threshold = workbook["Requirements"]["F2"]
    assert (threshold.value, threshold.data_type) == ("=95% of births", "s")


# --- The round trip ---------------------------------------------------------------------------


def test_uploading_the_download_unchanged_changes_nothing(draft, lead):
    before = snapshot(draft)

    framework_upload(framework=draft, file=upload_file(download(draft, lead)), by=lead)

    assert snapshot(draft) == before


def test_a_file_saved_again_by_libreoffice_round_trips_exactly(draft, lead, tmp_path):
    before = snapshot(draft)
    source = tmp_path / "framework.xlsx"
    source.write_bytes(saved(framework_workbook(framework=draft, generated_by=lead)))
    resaved = soffice(tmp_path, source, "xlsx:Calc MS Excel 2007 XML") / "framework.xlsx"

    framework_upload(
        framework=draft, file=SimpleUploadedFile("framework.xlsx", resaved.read_bytes()), by=lead
    )

    assert snapshot(draft) == before
    kept = Requirement.objects.get(action__framework=draft, code="1.1")
    assert (kept.due_on, kept.wording_checked, kept.threshold) == (date(2027, 1, 31), True, "=95% of births")


def test_an_upload_edits_adds_moves_retires_and_reorders(draft, lead):
    workbook = download(draft, lead)
    actions, requirements = workbook["Actions"], workbook["Requirements"]
    actions.move_range("A2:C2", rows=3)  # SA1 goes last
    actions.delete_rows(2)
    requirements["C3"] = "Requirement 1.2, reworded"
    requirements["A5"] = "SA3"  # 2.2 moves to SA3
    requirements["H4"] = "yes"
    requirements["G6"] = "2027-03-31"  # a date typed as text, as the files write it
    requirements.delete_rows(7)  # 3.2 retired
    requirements.append(
        ["SA2", "2.3", "Added", "A requirement added in the sheet.", None, None, None, "No", None]
    )

    framework_upload(framework=draft, file=upload_file(workbook), by=lead)

    assert list(draft.actions.order_by("order").values_list("code", flat=True)) == ["SA2", "SA3", "SA1"]
    found = {
        r.code: r
        for r in Requirement.objects.filter(action__framework=draft).select_related("action", "replaces")
    }
    assert sorted(found) == ["1.1", "1.2", "2.1", "2.2", "2.3", "3.1"]
    assert found["1.2"].title == "Requirement 1.2, reworded"
    assert [(r.code, r.order) for r in found.values() if r.action.code == "SA3"] == [("2.2", 1), ("3.1", 2)]
    assert found["2.1"].wording_checked
    assert found["3.1"].due_on == date(2027, 3, 31)
    assert (found["2.3"].replaces, found["2.3"].order) == (None, 2)
    assert found["1.1"].replaces.code == "1.1"


# --- Refusals ---------------------------------------------------------------------------------


def test_every_broken_row_is_listed_with_its_row_and_nothing_changes(draft, lead):
    workbook = download(draft, lead)
    requirements = workbook["Requirements"]
    requirements["A2"] = "SA9"  # unknown action
    requirements["B4"] = "1.2"  # duplicate code
    requirements["G5"] = "31/02/2027"  # not a date
    requirements["C6"] = "x" * 301  # too long
    requirements["I7"] = "9.9"  # replaces nothing in Year 7
    workbook["Actions"]["B3"] = None

    messages = refusal(draft, workbook, lead)

    assert messages == [
        "Sheet Actions, row 3: Title must not be empty.",
        "Sheet Requirements, row 2: Action code 'SA9' is not on the Actions sheet.",
        "Sheet Requirements, row 4: Duplicate requirement code '1.2' (first on row 3).",
        "Sheet Requirements, row 5: Due date '31/02/2027' is not a date written YYYY-MM-DD.",
        "Sheet Requirements, row 6: Title is 301 characters long; the most allowed is 300.",
        "Sheet Requirements, row 7: Requirement 3.2 replaces '9.9', which is not a requirement of the "
        "previous version Maternity Incentive Scheme (Year 7).",
    ]


@pytest.mark.parametrize(
    ("cell", "value", "expected"),
    [
        ("A3", "SA7", "Sheet Requirements, row 3: Action code 'SA7' is not on the Actions sheet."),
        ("B4", "1.1", "Sheet Requirements, row 4: Duplicate requirement code '1.1' (first on row 2)."),
        (
            "G2",
            "2027-13-01",
            "Sheet Requirements, row 2: Due date '2027-13-01' is not a date written YYYY-MM-DD.",
        ),
        (
            "C3",
            "T" * 301,
            "Sheet Requirements, row 3: Title is 301 characters long; the most allowed is 300.",
        ),
        (
            "I5",
            "4.4",
            "Sheet Requirements, row 5: Requirement 2.2 replaces '4.4', which is not a requirement of the "
            "previous version Maternity Incentive Scheme (Year 7).",
        ),
        ("H2", "Maybe", "Sheet Requirements, row 2: Wording checked must be true or false, not 'maybe'."),
        ("D2", None, "Sheet Requirements, row 2: Requirement text must not be empty."),
    ],
)
def test_one_broken_row_is_refused_with_its_row_number(draft, lead, cell, value, expected):
    workbook = download(draft, lead)
    workbook["Requirements"][cell] = value

    assert refusal(draft, workbook, lead) == [expected]


def test_an_action_code_that_is_not_a_code_is_reported_once(draft, lead):
    workbook = download(draft, lead)
    workbook["Actions"]["A3"] = "SA 2"
    workbook["Requirements"]["A4"] = workbook["Requirements"]["A5"] = "SA 2"

    assert refusal(draft, workbook, lead) == [
        "Sheet Actions, row 3: Code 'SA 2' may contain only letters, digits, dots, - and _."
    ]


def test_a_duplicate_action_and_an_action_without_requirements_are_refused(draft, lead):
    workbook = download(draft, lead)
    workbook["Actions"].append(["SA1", "Again", None])
    workbook["Actions"].append(["SA4", "Empty", None])

    assert refusal(draft, workbook, lead) == [
        "Sheet Actions, row 5: Duplicate action code 'SA1' (first on row 2).",
        "Sheet Actions, row 6: Action SA4 has no requirements; it needs at least one.",
    ]


def test_changed_headings_are_refused(draft, lead):
    workbook = download(draft, lead)
    workbook["Requirements"]["C1"] = "Name"

    assert refusal(draft, workbook, lead) == [
        "Sheet Requirements, row 1: the headings have been changed; they must be "
        + ", ".join(REQUIREMENT_HEADINGS)
        + "."
    ]


def test_an_upload_to_a_published_framework_is_refused(draft, lead, world):
    published = build_framework("mis-published-sheet")
    published.lmns = world.lmns_a
    published.save()

    messages = refusal(published, download(draft, lead), lead)

    assert messages == [
        "Maternity Incentive Scheme (Year 7) is published, so it cannot be edited. "
        "A published framework is corrected by starting a revision."
    ]
    assert published.status == FrameworkStatus.PUBLISHED


def test_only_the_author_may_upload(draft, world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    with pytest.raises(PermissionDenied):
        framework_upload(framework=draft, file=upload_file(download(draft, officer)), by=officer)


def test_a_hostile_workbook_is_refused_before_it_is_read(draft, lead):
    workbook = download(draft, lead)
    workbook["Requirements"].cell(row=6_000, column=1, value="SA1")

    messages = refusal(draft, workbook, lead)

    assert len(messages) == 1
    assert "rows" in messages[0] and "5,000" in messages[0]


def test_a_file_that_is_not_a_workbook_is_refused(draft, lead):
    before = snapshot(draft)
    with pytest.raises(ValidationError, match="Excel workbook"):
        framework_upload(framework=draft, file=SimpleUploadedFile("framework.xlsx", b"Code,Title\n"), by=lead)
    assert snapshot(draft) == before


# --- Pages ------------------------------------------------------------------------------------


def test_the_author_uploads_from_the_page_and_sees_every_row_refused(client, draft, lead):
    client.force_login(lead)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Download as a spreadsheet" in page and "Upload an edited spreadsheet" in page

    response = client.get(reverse("assurance:framework-spreadsheet", kwargs={"slug": draft.slug}))
    assert response["Content-Disposition"] == f'attachment; filename="{draft.slug}.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    workbook["Requirements"]["A2"] = "SA9"
    url = reverse("assurance:framework-upload", kwargs={"slug": draft.slug})

    refused = client.post(url, {"file": upload_file(workbook)})
    assert refused.status_code == 200
    # Escaped: Django writes an apostrophe as &#x27;, the design system's error summary as &#39;.
    assert "Sheet Requirements, row 2: Action code &#x27;SA9&#x27; is not on the Actions sheet." in (
        refused.content.decode().replace("&#39;", "&#x27;")
    )

    workbook["Requirements"]["A2"] = "SA1"
    workbook["Requirements"]["C2"] = "Retitled in the sheet"
    assert client.post(url, {"file": upload_file(workbook)}).status_code == 302
    assert Requirement.objects.get(action__framework=draft, code="1.1").title == "Retitled in the sheet"


def test_a_checker_downloads_but_is_refused_the_upload_and_another_lmns_sees_nothing(client, draft, world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    url = reverse("assurance:framework-upload", kwargs={"slug": draft.slug})
    client.force_login(officer)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Download as a spreadsheet" in page and "Upload an edited spreadsheet" not in page
    assert client.get(url).status_code == 403

    client.force_login(make_user("beta-lead-sheet", role=Role.LMNS_SAFETY_LEAD, lmns=world.lmns_b))
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("assurance:framework-spreadsheet", kwargs={"slug": draft.slug})).status_code == 404
    )


def test_a_published_framework_page_offers_the_download_only(client, draft, lead, world):
    published = build_framework("mis-page-sheet")
    client.force_login(lead)

    page = client.get(published.get_absolute_url()).content.decode()

    assert "Download as a spreadsheet" in page and "Upload an edited spreadsheet" not in page


# --- An edited sheet, through LibreOffice, comes back as it was uploaded --------------------------


def test_a_sheet_edited_and_saved_by_libreoffice_downloads_again_exactly_as_uploaded(draft, lead, tmp_path):
    workbook = download(draft, lead)
    requirements = workbook["Requirements"]
    requirements["D3"] = "Requirement 1.2, reworded in the sheet."
    requirements["F4"] = "90%"
    requirements["H5"] = "Yes"
    requirements.delete_rows(6)  # 3.1 retired
    requirements.append(
        ["SA3", "3.3", "Added in the sheet", "Something else new.", None, None, None, "No", None]
    )
    edited = tmp_path / "framework.xlsx"
    workbook.save(edited)
    edited_rows = {sheet: rows(workbook, sheet) for sheet in ("Actions", "Requirements")}
    resaved = soffice(tmp_path, edited, "xlsx:Calc MS Excel 2007 XML") / "framework.xlsx"

    framework_upload(
        framework=draft, file=SimpleUploadedFile("framework.xlsx", resaved.read_bytes()), by=lead
    )

    again = download(draft, lead)
    assert {sheet: rows(again, sheet) for sheet in ("Actions", "Requirements")} == edited_rows
    before = snapshot(draft)
    framework_upload(framework=draft, file=upload_file(again), by=lead)
    assert snapshot(draft) == before
