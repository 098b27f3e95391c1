"""Board workbooks: structure, RAG fills, self-assessed beside verified, formula-safe text,
print set-up, and what LibreOffice makes of them."""

import csv
import io
import re
import shutil
import subprocess
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from assurance import services
from assurance.exports import board_workbook, board_workbook_for_provider
from assurance.models import (
    EvidenceLink,
    Framework,
    FrameworkAction,
    FrameworkStatus,
    Requirement,
    RequirementAssessment,
    Status,
)
from lmns.models import Role
from tests.conftest import IN_CI, skip_or_fail
from tests.factories import make_lmns, make_provider, make_user
from tests.printing import assert_prints_readably, smallest_pdf_points

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("https://example.invalid","Click for the CTG guideline")'
PLAN = "-1+2 midwives on every shift"
OWNER = "@Director of Midwifery"
DUE = date(2027, 3, 31)
PROVIDER_HEADINGS = [
    "Action",
    "Requirement",
    "Requirement text",
    "Wording checked",
    "Rating",
    "Self-assessed status",
    "LMNS verification",
    "LMNS challenge reason",
    "Provider commentary",
    "Evidence items",
    "Action plan",
    "Action owner",
    "Action plan due",
]
GREEN, AMBER, IN_PROGRESS, RED, GREY = "FF007F3B", "FFFFB81C", "FFFFF59D", "FFD5281B", "FFD8DDE0"


def build_framework(slug="mis-test", *, shape=(2, 2, 1)) -> Framework:
    """A small framework made with the ORM: action ``SAn`` has ``shape[n-1]`` requirements."""
    framework = Framework.objects.create(
        slug=slug,
        name="Maternity Incentive Scheme",
        publisher="NHS Resolution",
        version="Year 7",
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
        source_file=f"{slug}.yaml",
        status=FrameworkStatus.PUBLISHED,
    )
    for a, count in enumerate(shape, start=1):
        action = FrameworkAction.objects.create(
            framework=framework, code=f"SA{a}", title=f"Safety action {a}", order=a
        )
        for r in range(1, count + 1):
            Requirement.objects.create(
                action=action,
                code=f"{a}.{r}",
                title=f"Requirement {a}.{r}",
                text=f"The trust shows that it does {a}.{r}.",
                order=r,
            )
    return framework


def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


@pytest.fixture
def board(world):
    """A1 has one action of each colour but grey; A2 has started and done nothing; A3 not started."""
    framework = build_framework()
    lead = world.personas[f"provider:{Role.PROVIDER_LEAD}"]
    a3 = make_provider(world.lmns_a, "Avocet NHS Trust", "AA3")
    assessment = services.assessment_start(provider=world.a1, framework=framework, by=lead)
    services.assessment_start(provider=world.a2, framework=framework, by=lead)
    items = {item.requirement.code: item for item in assessment.items.select_related("requirement")}
    for code in ("1.1", "1.2", "2.1"):
        services.item_update(item=items[code], by=lead, status=Status.MET, commentary=f"Done {code}")
    services.item_update(
        item=items["2.2"], by=lead, status=Status.NOT_APPLICABLE, not_applicable_reason="No neonatal unit"
    )
    services.item_update(
        item=items["3.1"],
        by=lead,
        status=Status.NOT_MET,
        commentary=HYPERLINK,
        action_plan=PLAN,
        action_owner=OWNER,
        action_due_on=DUE,
    )
    services.assessment_submit(items=assessment.items.select_related("requirement"), by=lead)
    for code in ("1.1", "1.2"):
        services.item_verify(item=items[code], by=officer(world), accept=True)
    # One current piece of evidence, and one carried forward that still needs review.
    for description in ("Audit", "Last year's audit"):
        services.evidence_add(
            provider=world.a1,
            by=lead,
            description=description,
            effective_from=date(2026, 5, 1),
            url="https://example.invalid/audit",
            items=[items["1.1"]],
        )
    EvidenceLink.objects.filter(evidence__description="Last year's audit").update(to_review=True)
    return {"framework": framework, "assessment": assessment, "a3": a3, "lead": lead}


def providers(world, board):
    return [world.a1, world.a2, board["a3"]]


def saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def lmns_workbook(world, board, **kwargs):
    workbook = board_workbook(
        framework=board["framework"],
        providers=providers(world, board),
        lmns=world.lmns_a,
        generated_by=officer(world),
        **kwargs,
    )
    return load_workbook(io.BytesIO(saved(workbook)))


def header_row(worksheet, first="Provider"):
    return next(row[0].row for row in worksheet.iter_rows() if row[0].value == first)


def table(worksheet, first="Provider"):
    header = header_row(worksheet, first)
    headings = [cell.value for cell in worksheet[header]]
    return [
        dict(zip(headings, row, strict=True))
        for row in worksheet.iter_rows(min_row=header + 1, values_only=True)
    ]


def cells(worksheet, first="Provider"):
    """Each table row's cells, by heading."""
    header = header_row(worksheet, first)
    headings = [cell.value for cell in worksheet[header]]
    return [
        {heading: cell for heading, cell in zip(headings, row, strict=True)}
        for row in worksheet.iter_rows(min_row=header + 1)
    ]


# --- Structure --------------------------------------------------------------------------------


def test_a_cover_a_summary_and_a_sheet_per_provider(world, board):
    workbook = lmns_workbook(world, board)

    assert workbook.sheetnames == [
        "Cover",
        "Summary",
        "Aardvark Hospitals NHS Trust",
        "Albatross Health NHS Trust",
        "Avocet NHS Trust",
    ]


def test_cover_says_what_whose_and_when(world, board):
    cover = lmns_workbook(world, board)["Cover"]
    lines = {row[0]: row[1] for row in cover.iter_rows(values_only=True) if row[0]}

    assert lines["LMNS"] == "Alpha LMNS"
    assert lines["Provider"] == "All 3 providers of the LMNS"
    assert lines["Framework"] == "Maternity Incentive Scheme (Year 7)"
    assert lines["Published by"] == "NHS Resolution"
    assert lines["Period"] == "1 April 2026 to 31 March 2027"
    assert lines["Status"] == "Published"
    assert lines["Source document"] == "Not recorded"
    assert lines["Wording checked"].startswith(
        "0 of 5 requirements checked against the source document; 5 NOT"
    )
    generated = next(line for line in lines if line.startswith("Generated by"))
    assert re.fullmatch(
        rf"Generated by {officer(world).username} on \d{{1,2}} [A-Z][a-z]+ \d{{4}} at \d\d:\d\d", generated
    )
    assert lines["SA3"] == "Safety action 3"
    assert lines["Green"] == "Met and verified by the LMNS"
    assert lines["In progress"].startswith("In progress: some requirements met or partly met")


def test_summary_shows_self_assessed_beside_lmns_verified(world, board):
    rows = table(lmns_workbook(world, board)["Summary"])

    assert [
        (r["Provider"], r["Self-assessed actions met"], r["LMNS-verified actions met"]) for r in rows
    ] == [
        ("Aardvark Hospitals NHS Trust", 2, 1),
        ("Albatross Health NHS Trust", 0, 0),
        ("Avocet NHS Trust", 0, 0),
    ]
    assert rows[0]["SA1"] == "Green: All 2 requirements met and verified"
    assert rows[0]["SA2"] == "Amber: All met; 2 awaiting LMNS verification"
    assert rows[0]["SA3"] == "Red: 1 of 1 not met"
    assert rows[1]["SA1"] == "Grey: No requirement assessed yet"
    assert rows[2]["SA1"] == "Grey: assessment not started"


def test_summary_cells_are_filled_in_their_rag_colour(world, board):
    rows = cells(lmns_workbook(world, board)["Summary"])

    fills = [[row[code].fill.fgColor.rgb for code in ("SA1", "SA2", "SA3")] for row in rows]
    assert fills == [[GREEN, AMBER, RED], [GREY, GREY, GREY], [GREY, GREY, GREY]]
    assert all(row[code].fill.fill_type == "solid" for row in rows for code in ("SA1", "SA2", "SA3"))
    # White on green and red, black on amber and grey: readable, and the words say it too.
    assert rows[0]["SA1"].font.color.rgb == "FFFFFFFF"
    assert rows[0]["SA2"].font.color.rgb == "FF000000"


def test_partial_progress_is_its_own_state_in_both_workbooks(world, board):
    """One requirement met and verified, the other not started: nothing is not met, so not red."""
    items = {item.requirement.code: item for item in board["assessment"].items.select_related("requirement")}
    services.item_update(item=items["1.2"], by=board["lead"], status=Status.NOT_STARTED)
    provider_workbook = load_workbook(
        io.BytesIO(
            saved(board_workbook_for_provider(assessment=board["assessment"], generated_by=board["lead"]))
        )
    )
    for workbook in (lmns_workbook(world, board), provider_workbook):
        summary = cells(workbook["Summary"])[0]
        assert summary["SA1"].value == "In progress: 1 of 2 not started"
        assert summary["SA1"].fill.fgColor.rgb == IN_PROGRESS
        assert summary["SA3"].fill.fgColor.rgb == RED  # 3.1 is assessed as not met


def test_provider_sheet_has_every_requirement(world, board):
    worksheet = lmns_workbook(world, board)["Aardvark Hospitals NHS Trust"]
    header = header_row(worksheet, "Action")
    rows = table(worksheet, "Action")

    assert worksheet["A1"].value == "Aardvark Hospitals NHS Trust"
    assert worksheet["A2"].value == (
        "Maternity Incentive Scheme (Year 7): 1 of 3 actions met and verified by the LMNS; "
        "2 of 3 met by self-assessment."
    )
    assert [cell.value for cell in worksheet[header]] == PROVIDER_HEADINGS
    assert [(r["Action"], r["Requirement"]) for r in rows] == [
        ("SA1", "1.1"),
        ("SA1", "1.2"),
        ("SA2", "2.1"),
        ("SA2", "2.2"),
        ("SA3", "3.1"),
    ]
    first, last = rows[0], rows[-1]
    assert first["Requirement text"] == "The trust shows that it does 1.1."
    assert first["Wording checked"] == "NO"
    assert first["Rating"] == "Green: Met, verified"
    assert rows[2]["Rating"] == "Amber: Met, awaiting LMNS"
    assert last["Rating"] == "Red: Not met or challenged"
    assert first["Self-assessed status"] == "Met"
    assert first["LMNS verification"] == "Accepted by the LMNS"
    assert first["Provider commentary"] == "Done 1.1"
    assert first["Evidence items"] == 1  # the carried-forward link awaiting review does not count
    assert rows[1]["Evidence items"] == 0
    assert rows[3]["Self-assessed status"] == "Not applicable"
    assert last["Self-assessed status"] == "Not met"
    assert last["LMNS verification"] == "Awaiting LMNS verification"
    assert (last["Action plan"], last["Action owner"]) == (PLAN, OWNER)
    assert last["Action plan due"].date() == DUE
    assert cells(worksheet, "Action")[-1]["Action plan due"].number_format == "d mmm yyyy"


def test_provider_sheet_rates_each_requirement_and_gives_the_challenge(world, board):
    """A board reading a provider's sheet alone sees each requirement's colour, and why the LMNS
    challenged it."""
    item = board["assessment"].items.get(requirement__code="2.1")
    services.item_verify(item=item, by=officer(world), accept=False, comment="Send the audit's dates.")
    rows = cells(lmns_workbook(world, board)["Aardvark Hospitals NHS Trust"], "Action")
    challenged = rows[2]

    assert challenged["LMNS verification"].value == "Challenged by the LMNS"
    assert challenged["LMNS challenge reason"].value == "Send the audit's dates."
    assert challenged["Rating"].value == "Red: Not met or challenged"
    assert [row["Rating"].fill.fgColor.rgb for row in rows] == [GREEN, GREEN, RED, AMBER, RED]
    assert rows[3]["LMNS challenge reason"].value is None


def test_every_sheet_prints_at_9_pt_or_more(world, board):
    """Ten actions no longer print side by side at 5 pt: the summary takes five a sheet."""
    framework = build_framework("ten", shape=(1,) * 10)
    services.assessment_start(provider=world.a1, framework=framework, by=board["lead"])
    workbook = load_workbook(
        io.BytesIO(
            saved(
                board_workbook(
                    framework=framework,
                    providers=providers(world, board),
                    lmns=world.lmns_a,
                    generated_by=None,
                )
            )
        )
    )

    assert workbook.sheetnames[:3] == ["Cover", "Summary", "Summary SA6-SA10"]
    assert [cell.value for cell in workbook["Summary SA6-SA10"][header_row(workbook["Summary SA6-SA10"])]][
        -5:
    ] == ["SA6", "SA7", "SA8", "SA9", "SA10"]
    assert_prints_readably(workbook)
    assert_prints_readably(lmns_workbook(world, board))


def test_footer_names_the_provider_in_full(world, board):
    """A sheet's name stops at 31 characters; the footer of each printed page does not."""
    long = make_provider(world.lmns_a, "Eastmoor & Coast Community Healthcare NHS Foundation Trust", "EC1")
    workbook = board_workbook(
        framework=board["framework"], providers=[long], lmns=world.lmns_a, generated_by=None
    )
    worksheet = load_workbook(io.BytesIO(saved(workbook))).worksheets[-1]

    assert worksheet.title == "Eastmoor & Coast Community Heal"
    assert worksheet.oddFooter.left.text == "Eastmoor && Coast Community Healthcare NHS Foundation Trust"


def test_providers_without_an_assessment_get_an_empty_table(world, board):
    worksheet = lmns_workbook(world, board)["Avocet NHS Trust"]

    assert worksheet["A2"].value == "Maternity Incentive Scheme (Year 7): no assessment has been started."
    assert table(worksheet, "Action") == []


def test_formula_like_text_stays_text(world, board):
    workbook = board_workbook(
        framework=board["framework"], providers=[world.a1], lmns=world.lmns_a, generated_by=officer(world)
    )
    content = saved(workbook)
    last = cells(load_workbook(io.BytesIO(content))["Aardvark Hospitals NHS Trust"], "Action")[-1]

    for heading, text in [("Provider commentary", HYPERLINK), ("Action plan", PLAN), ("Action owner", OWNER)]:
        assert last[heading].value == text
        assert last[heading].data_type == "s"
        assert last[heading].quotePrefix
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
        assert all(b"<f>" not in archive.read(name) for name in sheets)


def test_text_like_an_error_code_stays_text(world, board):
    RequirementAssessment.objects.filter(
        assessment=board["assessment"], requirement__code__in=["1.1", "1.2"]
    ).update(commentary="#N/A", action_owner="#REF!")
    rows = cells(lmns_workbook(world, board)["Aardvark Hospitals NHS Trust"], "Action")

    for cell in (rows[0]["Provider commentary"], rows[1]["Action owner"]):
        assert cell.value in {"#N/A", "#REF!"}
        assert cell.data_type == "s"


def test_body_cells_are_arial_wrapped_to_the_top(world, board):
    """Most body cells are written with no style of their own (the fast way), and take the
    workbook's default format: it must be the board's body text, as styled cells are."""
    workbook = lmns_workbook(world, board)
    provider = cells(workbook["Aardvark Hospitals NHS Trust"], "Action")
    summary = cells(workbook["Summary"])
    body = [cell for row in provider + summary for cell in row.values() if cell.value is not None]

    assert len(body) > 50
    assert {(cell.font.name, cell.font.sz, cell.font.b) for cell in body} == {("Arial", 11, False)}
    assert {(cell.alignment.wrap_text, cell.alignment.vertical) for cell in body} == {(True, "top")}
    assert provider[-1]["Provider commentary"].quotePrefix  # styled, to stay text
    assert provider[-1]["Action plan due"].number_format == "d mmm yyyy"


@pytest.mark.parametrize("sheet", ["Summary", "Aardvark Hospitals NHS Trust", "Avocet NHS Trust"])
def test_tables_are_set_up_to_filter_and_print(world, board, sheet):
    worksheet = lmns_workbook(world, board)[sheet]
    first = "Provider" if sheet == "Summary" else "Action"
    header = header_row(worksheet, first)
    headings = [cell for cell in worksheet[header] if cell.value]
    body_rows = {"Summary": 3, "Aardvark Hospitals NHS Trust": 5, "Avocet NHS Trust": 0}[sheet]

    assert all(cell.font.b for cell in headings)
    assert worksheet.freeze_panes == f"A{header + 1}"
    assert worksheet.auto_filter.ref == f"A{header}:{headings[-1].column_letter}{header + body_rows}"
    assert worksheet.print_title_rows == f"${header}:${header}"
    assert worksheet.page_setup.orientation == "landscape"
    assert worksheet.page_setup.paperSize == 9  # A4
    assert worksheet.page_setup.fitToWidth == 1
    assert worksheet.page_setup.fitToHeight == 0
    assert worksheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert worksheet.oddFooter.right.text == "Page &P of &N"
    if body_rows:
        assert worksheet.cell(row=header + 1, column=3).alignment.wrap_text is True
        assert worksheet.row_dimensions[header + 1].height >= 18


def test_cover_prints_landscape_too(world, board):
    cover = lmns_workbook(world, board)["Cover"]

    assert cover.page_setup.orientation == "landscape"
    assert cover.sheet_properties.pageSetUpPr.fitToPage is True


def test_sheet_names_are_valid_and_unique(world):
    framework = build_framework("names")
    lmns = make_lmns("Gamma LMNS", code="gamma")
    names = ["Summary", "St Mary's: Women/Children [Trust]*?", "A" * 40, "a" * 45]
    trusts = [make_provider(lmns, name, f"G{n:02d}") for n, name in enumerate(names)]
    workbook = board_workbook(framework=framework, providers=trusts, lmns=lmns, generated_by=make_user())

    assert load_workbook(io.BytesIO(saved(workbook))).sheetnames == [
        "Cover",
        "Summary",
        "Summary (2)",
        "St Mary's- Women-Children -Trus",
        "A" * 31,
        "a" * 27 + " (2)",
    ]


def test_an_lmns_without_providers_still_gets_a_valid_workbook(world):
    lmns = make_lmns("Empty LMNS", code="empty")
    workbook = board_workbook(framework=build_framework("empty"), providers=[], lmns=lmns, generated_by=None)
    workbook = load_workbook(io.BytesIO(saved(workbook)))

    assert workbook.sheetnames == ["Cover", "Summary"]
    assert table(workbook["Summary"]) == []


def test_progress_is_reported_after_each_provider(world, board):
    calls = []
    lmns_workbook(world, board, progress=lambda done, total: calls.append((done, total)))

    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_queries_do_not_grow_with_providers(world, board, django_assert_max_num_queries):
    many = providers(world, board) + [make_provider(world.lmns_a) for _ in range(5)]
    for provider in many[3:]:
        services.assessment_start(provider=provider, framework=board["framework"], by=officer(world))
    # The matrix, its actions, the item rows, and the count of checked wording for the cover.
    with django_assert_max_num_queries(5):
        saved(
            board_workbook(
                framework=board["framework"], providers=many, lmns=world.lmns_a, generated_by=officer(world)
            )
        )


def test_one_provider_workbook(world, board):
    workbook = board_workbook_for_provider(assessment=board["assessment"], generated_by=board["lead"])
    workbook = load_workbook(io.BytesIO(saved(workbook)))
    cover = {row[0]: row[1] for row in workbook["Cover"].iter_rows(values_only=True) if row[0]}

    assert workbook.sheetnames == ["Cover", "Summary", "Aardvark Hospitals NHS Trust"]
    assert cover["Provider"] == "Aardvark Hospitals NHS Trust"
    assert [row["Provider"] for row in table(workbook["Summary"])] == ["Aardvark Hospitals NHS Trust"]


# --- LibreOffice ------------------------------------------------------------------------------


def soffice(tmp_path, source, to):
    """Convert with LibreOffice headless; returns the output folder. ``source`` may be a list of
    files, converted by one start of LibreOffice (each start takes seconds)."""
    executable = shutil.which("soffice") or shutil.which("libreoffice")
    if not executable:
        skip_or_fail("LibreOffice (soffice) is not installed", required=IN_CI)
    sources = source if isinstance(source, list) else [source]
    out = tmp_path / "out"
    result = subprocess.run(
        [
            executable,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            *map(str, sources),
        ],
        capture_output=True,
        text=True,
        timeout=120 + 30 * len(sources),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


# Comma-separated, double quotes, UTF-8 (76), cells as shown, and -1: every sheet to its own file.
CSV_EVERY_SHEET = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def _csv(path):
    return list(csv.reader(path.read_text(encoding="utf-8").splitlines()))


def test_libreoffice_reads_the_workbook(world, board, tmp_path):
    source = tmp_path / "board.xlsx"
    source.write_bytes(
        saved(
            board_workbook(
                framework=board["framework"],
                providers=providers(world, board),
                lmns=world.lmns_a,
                generated_by=officer(world),
            )
        )
    )

    pdf = soffice(tmp_path, source, "pdf") / "board.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_size > 1000
    # Every page, the summary's and each provider's, at a size a board member can read.
    assert smallest_pdf_points(pdf) >= 9

    out = soffice(tmp_path, source, CSV_EVERY_SHEET)
    cover = {row[0]: row[1] for row in _csv(out / "board-Cover.csv") if row and row[0]}
    assert cover["Provider"] == "All 3 providers of the LMNS"
    summary = _csv(out / "board-Summary.csv")
    header = summary.index(
        [
            "Provider",
            "ODS code",
            "Self-assessed actions met",
            "LMNS-verified actions met",
            "SA1",
            "SA2",
            "SA3",
        ]
    )
    assert summary[header + 1] == [
        "Aardvark Hospitals NHS Trust",
        "AA1",
        "2",
        "1",
        "Green: All 2 requirements met and verified",
        "Amber: All met; 2 awaiting LMNS verification",
        "Red: 1 of 1 not met",
    ]
    a1 = _csv(out / "board-Aardvark Hospitals NHS Trust.csv")
    last = dict(zip(PROVIDER_HEADINGS, a1[-1], strict=True))
    # Text that looks like a formula is shown as written, not worked out.
    assert last["Provider commentary"] == HYPERLINK
    assert last["Action plan"] == PLAN
    assert last["Action owner"] == OWNER
    assert last["Action plan due"] == "31 Mar 2027"


def test_libreoffice_keeps_fills_panes_and_print_titles(world, board, tmp_path):
    """Saved again by LibreOffice, the set-up survives: it read it, not just tolerated it."""
    source = tmp_path / "board.xlsx"
    source.write_bytes(
        saved(
            board_workbook(
                framework=board["framework"],
                providers=[world.a1],
                lmns=world.lmns_a,
                generated_by=officer(world),
            )
        )
    )
    resaved = soffice(tmp_path, source, "xlsx:Calc MS Excel 2007 XML") / "board.xlsx"
    workbook = load_workbook(resaved)
    summary = workbook["Summary"]
    header = header_row(summary)
    row = cells(summary)[0]

    assert [row[code].fill.fgColor.rgb for code in ("SA1", "SA2", "SA3")] == [GREEN, AMBER, RED]
    # Body text written with no style of its own: LibreOffice gives it its column's format.
    text = cells(workbook["Aardvark Hospitals NHS Trust"], "Action")[0]["Requirement text"]
    assert (text.font.name, text.alignment.wrap_text, text.alignment.vertical) == ("Arial", True, "top")
    # (Frozen panes are view settings, which headless LibreOffice never writes back, even
    # for a workbook it made itself; test_tables_are_set_up_to_filter_and_print checks them.)
    assert summary.print_title_rows == f"${header}:${header}"
    assert summary.page_setup.orientation == "landscape"
    assert workbook["Aardvark Hospitals NHS Trust"].auto_filter.ref == "A4:M9"
