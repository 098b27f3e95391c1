"""Board workbooks: one provider's, or the whole LMNS's, compliance position on a framework;
for a framework with a safety action 6 (the MIS), each provider's Saving Babies' Lives quarter.

The board sees two positions side by side: what each provider says (self-assessed)
and what the LMNS has checked and accepted (LMNS-verified). Only the second is green.

Built in openpyxl's write-only mode, so each provider's rows stream from the database
to a temporary file: memory does not grow with the number of requirements, and each
provider adds only openpyxl's small per-sheet bookkeeping (bench/README.md has the
figures). In that mode a sheet's top (column widths, frozen panes, fit to page) goes
out with its first row, so every sheet is set up before anything is appended to it.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, Q, Value, When
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.worksheet import Worksheet

from assurance.models import Requirement, RequirementAssessment, Status, Verification
from assurance.sbl import exports as sbl_exports
from assurance.sbl.selectors import SA6_CODE
from assurance.selectors import MatrixRow, Rag, compliance_matrix, requirement_rag
from lmns.exports import stamp
from lmns.notifications import long_date
from lmns.spreadsheets import (
    CELL_BORDER,
    FONT,
    FONT_SIZE,
    FORMULA_PREFIXES,
    LINE_HEIGHT,
    MAX_ROW_HEIGHT,
    PRINT_WIDTH,
    Column,
    cell_text,
    header_height,
    set_cell,
    unique_sheet_name,
    wrapped_lines,
)

DATE_FORMAT = "d mmm yyyy"

# NHS identity colours (opaque ARGB). Text on green and red is white, so that it stays readable.
# In progress is a pale yellow: on its way, plainly not the amber of "met", and not the blue
# that NHS BRAG ratings use for "complete".
RAG_COLOURS = {
    Rag.GREEN: "FF007F3B",
    Rag.AMBER: "FFFFB81C",
    Rag.IN_PROGRESS: "FFFFF59D",
    Rag.RED: "FFD5281B",
    Rag.GREY: "FFD8DDE0",
}
RAG_NAMES = {
    Rag.GREEN: "Green",
    Rag.AMBER: "Amber",
    Rag.IN_PROGRESS: "In progress",
    Rag.RED: "Red",
    Rag.GREY: "Grey",
}
RAG_FILLS = {rag: PatternFill("solid", fgColor=colour) for rag, colour in RAG_COLOURS.items()}
RAG_FONTS = {
    rag: Font(name=FONT, size=FONT_SIZE, color="FFFFFFFF" if rag in {Rag.GREEN, Rag.RED} else "FF000000")
    for rag in RAG_COLOURS
}

PLAIN = Font(name=FONT, size=FONT_SIZE)
BOLD = Font(name=FONT, size=FONT_SIZE, bold=True)
TITLE = Font(name=FONT, size=FONT_SIZE + 1, bold=True)
SUBTITLE = Font(name=FONT, size=FONT_SIZE + 1)
WRAP = Alignment(wrap_text=True, vertical="top")

# Cells take a named style: setting font, fill and alignment on each cell instead hashes
# every style object every time, which was most of the build time when measured.
TEXT, DATE, HEADING, LABEL, HEADLINE, STRAPLINE, BLANK = (
    "Board text",
    "Board date",
    "Board heading",
    "Board label",
    "Board title",
    "Board subtitle",
    "Board blank",
)
STYLES = {
    TEXT: {"font": PLAIN, "alignment": WRAP, "border": CELL_BORDER},
    DATE: {"font": PLAIN, "alignment": WRAP, "border": CELL_BORDER, "number_format": DATE_FORMAT},
    HEADING: {"font": BOLD, "alignment": WRAP, "border": CELL_BORDER},
    LABEL: {"font": BOLD},
    HEADLINE: {"font": TITLE, "alignment": WRAP},
    STRAPLINE: {"font": SUBTITLE, "alignment": WRAP},
    # Written in the cells round a table that are otherwise empty, for LibreOffice: it gives an
    # empty cell its column's format, and so its rule (_set_up).
    BLANK: {"font": PLAIN},
    **{
        f"RAG {RAG_NAMES[rag]}": {
            "font": RAG_FONTS[rag],
            "fill": RAG_FILLS[rag],
            "alignment": WRAP,
            "border": CELL_BORDER,
        }
        for rag in RAG_COLOURS
    },
}

STATUS_LABELS = dict(Status.choices)
VERIFICATION_LABELS = dict(Verification.choices)

COVER_COLUMNS = [Column("", 26), Column("", 90)]
# Every sheet within PRINT_WIDTH, so that it prints at 9 pt or more on landscape A4: the
# summary takes five actions a sheet, and a provider's columns are narrow and wrap.
SUMMARY_COLUMNS = [
    Column("Provider", 24),
    Column("ODS code", 7),
    Column("Self-assessed actions met", 10),
    Column("LMNS-verified actions met", 10),
]
ACTION_COLUMN_WIDTH = 20
ACTIONS_PER_SUMMARY = (PRINT_WIDTH - sum(column.width for column in SUMMARY_COLUMNS)) // ACTION_COLUMN_WIDTH
PROVIDER_COLUMNS = [
    Column("Action", 6),
    Column("Requirement", 11),
    Column("Requirement text", 22),
    Column("Wording checked", 9),
    Column("Rating", 12),
    Column("Self-assessed status", 12),
    Column("LMNS verification", 13),
    Column("LMNS challenge reason", 14),
    Column("Provider commentary", 15),
    Column("Evidence items", 9),
    Column("Action plan", 12),
    Column("Action owner", 9),
    Column("Action plan due", 11),
]


@dataclass(frozen=True)
class Rated:
    """A summary cell: the RAG rating in words, filled in its colour (never colour alone)."""

    text: str
    rag: str


def board_workbook(
    *,
    framework,
    providers: list,
    lmns,
    generated_by,
    progress: Callable[[int, int], None] | None = None,
) -> Workbook:
    """A cover, the providers x actions summary, then one sheet per provider.

    ``providers`` must already be limited to what ``generated_by`` may see.
    ``progress(done, total)`` is called after each provider's sheet.
    """
    providers = list(providers)
    actions, matrix = compliance_matrix(framework=framework, providers=providers)
    generated = stamp(generated_by)
    workbook = generated.workbook(write_only=True)
    styles = _add_styles(workbook)
    scope = providers[0].name if len(providers) == 1 else f"All {len(providers)} providers of the LMNS"
    _write_cover(
        workbook.create_sheet("Cover"),
        styles,
        framework=framework,
        actions=actions,
        generated=generated.line,
        lines=[
            ("LMNS", lmns.name),
            ("Provider", scope),
            ("Framework", f"{framework.name} ({framework.version})"),
            ("Published by", framework.publisher),
            ("Period", _period(framework)),
            ("Status", _status(framework)),
            ("Source document", _source(framework)),
            ("Wording checked", _checked(framework)),
        ],
    )
    used = {"cover"}
    # Five actions a sheet: all of them side by side printed at 5 pt (issue #22).
    for first in range(0, max(1, len(actions)), ACTIONS_PER_SUMMARY):
        part = actions[first : first + ACTIONS_PER_SUMMARY]
        name = "Summary" if not first else f"Summary {part[0].code}-{part[-1].code}"
        _write_table(
            workbook.create_sheet(unique_sheet_name(name, used)),
            styles,
            cover=[
                f"{framework.name} ({framework.version}): actions by provider"
                + (f", {part[0].code} to {part[-1].code}" if len(actions) > ACTIONS_PER_SUMMARY else ""),
                "Self-assessed: the provider's own position. LMNS-verified: accepted by the LMNS. "
                "Only green is both met and verified.",
            ],
            columns=SUMMARY_COLUMNS + [Column(action.code, ACTION_COLUMN_WIDTH) for action in part],
            rows=(_summary_row(row, first, len(part)) for row in matrix),
        )
    items = _ItemRows([row.assessment_id for row in matrix if row.assessment_id is not None])
    for done, row in enumerate(matrix, start=1):
        _write_provider(
            workbook.create_sheet(unique_sheet_name(row.provider.name, used)),
            styles,
            framework=framework,
            row=row,
            rows=items.of(row.assessment_id),
            action_count=len(actions),
        )
        if progress:
            progress(done, len(matrix))
    if any(action.code == SA6_CODE for action in actions):
        _write_sbl(workbook, styles, framework=framework, providers=providers, used=used)
    return workbook


def _write_sbl(workbook, styles, *, framework, providers: list, used: set[str]) -> None:
    """Safety action 6's Saving Babies' Lives position: each provider's latest quarter in the
    framework's period (to today while it runs), its percentages and every intervention."""
    on = min(filter(None, [framework.period_end, timezone.localdate()]))
    tables = sbl_exports.board_tables(providers=providers, on=on)
    _write_table(
        workbook.create_sheet(unique_sheet_name("Saving Babies' Lives", used)),
        styles,
        cover=tables.cover,
        columns=tables.summary_columns,
        rows=tables.summary_rows,
    )
    _write_table(
        workbook.create_sheet(unique_sheet_name("SBL interventions", used)),
        styles,
        cover=tables.cover,
        columns=tables.intervention_columns,
        rows=tables.intervention_rows,
    )


def board_workbook_for_provider(*, assessment, generated_by) -> Workbook:
    """The board workbook of one provider's assessment: same layout, one provider."""
    provider = assessment.provider
    return board_workbook(
        framework=assessment.framework, providers=[provider], lmns=provider.lmns, generated_by=generated_by
    )


def _add_styles(workbook) -> dict:
    """Register the named styles, with body text as the default cell format; returns each
    one's style array, to make cells with.

    Nearly every cell is body text, and openpyxl writes a cell given a style through a path
    that takes about twice as long as a plain value's (bench/README.md). A plain value is
    written with no style index, which Excel and openpyxl read as the workbook's first cell
    format and LibreOffice as its column's format; so body text is both the first format
    (which openpyxl has no public way to set) and every column's format (``_set_up``).
    """
    arrays = {}
    for name, attributes in STYLES.items():
        style = NamedStyle(name=name, **attributes)
        workbook.add_named_style(style)
        arrays[name] = style.as_tuple()
    workbook._cell_styles = IndexedList([StyleArray(arrays[TEXT])])
    return arrays


def _write_cover(
    worksheet, styles, *, framework, actions, generated: str, lines: list[tuple[str, str]]
) -> None:
    def row(*values, style=TEXT):
        worksheet.append([_cell(worksheet, styles, value, style=style) for value in values])

    _set_up(worksheet, COVER_COLUMNS, ruled=False)
    row("Board assurance workbook", style=HEADLINE)
    row(generated)
    row()
    for label, value in lines:
        worksheet.append([_cell(worksheet, styles, label, style=LABEL), _cell(worksheet, styles, value)])
    row()
    row("Key", style=LABEL)
    for rag, label in Rag.LABELS.items():
        row(Rated(RAG_NAMES[rag], rag), label)
    row()
    row("Actions", style=LABEL)
    for action in actions:
        row(action.code, action.title)
    _set_up_printing(worksheet)
    worksheet.close()


def _summary_row(row: MatrixRow, first: int, count: int) -> list:
    if row.assessment_id is None:
        cells = [Rated("Grey: assessment not started", Rag.GREY) for _ in range(count)]
    else:
        cells = [
            Rated(f"{RAG_NAMES[cell.rag]}: {cell.reason}", cell.rag)
            for cell in row.cells[first : first + count]
        ]
    return [row.provider.name, row.provider.ods_code, row.actions_met, row.actions_verified, *cells]


def _write_provider(
    worksheet, styles, *, framework, row: MatrixRow, rows: Iterable[list], action_count: int
) -> None:
    provider = row.provider
    if row.assessment_id is None:
        position = "no assessment has been started."
    else:
        position = (
            f"{row.actions_verified} of {action_count} actions met and verified by the LMNS; "
            f"{row.actions_met} of {action_count} met by self-assessment."
        )
    _write_table(
        worksheet,
        styles,
        cover=[provider.name, f"{framework.name} ({framework.version}): {position}"],
        columns=PROVIDER_COLUMNS,
        rows=rows,
        # The sheet's own name may be cut to 31 characters; the footer names the provider in full.
        footer=provider.name.replace("&", "&&"),
    )


class _ItemRows:
    """Each assessment's requirement rows, from one query for all of them, in their order.

    One query rather than one per provider: building each provider's query cost more than
    running it, and the count of queries stays the same however many providers there are.
    The rows are plain values, streamed: a model instance per row would cost more than
    writing it, and the whole LMNS's rows are never in memory at once.
    """

    def __init__(self, assessment_ids: list[int]):
        self._rows = _item_rows(assessment_ids) if assessment_ids else iter(())
        self._next = None

    def of(self, assessment_id: int | None) -> Iterator[list]:
        """The rows of one assessment; each must be read in full before the next is asked for."""
        if self._next is None:
            self._next = next(self._rows, None)
        while self._next is not None and self._next[0] == assessment_id:
            yield self._next[1]
            self._next = next(self._rows, None)


def _item_rows(assessment_ids: list[int]) -> Iterator[tuple[int, list]]:
    in_order = Case(*(When(assessment_id=pk, then=Value(n)) for n, pk in enumerate(assessment_ids)))
    items = (
        RequirementAssessment.objects.filter(assessment_id__in=assessment_ids)
        .annotate(evidence_count=Count("evidence_links", filter=Q(evidence_links__to_review=False)))
        .order_by(in_order, "requirement__action__order", "requirement__order")
        .values_list(
            "assessment_id",
            "requirement__action__code",
            "requirement__code",
            "requirement__text",
            "requirement__wording_checked",
            "status",
            "verification",
            "challenge_comment",
            "commentary",
            "evidence_count",
            "action_plan",
            "action_owner",
            "action_due_on",
        )
    )
    # In chunks of 100 rows: the last chunk is still held while the next is fetched, and
    # larger chunks made the peak memory of an LMNS's workbook grow by half.
    for assessment_id, action, code, text, checked, status, verification, challenge, *rest in items.iterator(
        chunk_size=100
    ):
        rag = requirement_rag(status=status, verification=verification)
        yield (
            assessment_id,
            [
                action,
                code,
                text,
                "Yes" if checked else "NO",
                Rated(f"{RAG_NAMES[rag]}: {Rag.NAMES[rag]}", rag),
                STATUS_LABELS.get(status, status),
                VERIFICATION_LABELS.get(verification, verification),
                # The LMNS's reason while the challenge stands; its history keeps earlier ones.
                challenge if verification == Verification.CHALLENGED else "",
                *rest,
            ],
        )


def _write_table(
    worksheet,
    styles,
    *,
    cover: list[str],
    columns: list[Column],
    rows: Iterable[list],
    footer: str = "&A",
) -> None:
    """Cover lines, a blank row, then a filterable table that prints on landscape pages.

    Each cover line spans the table and wraps within it: left to overflow, a long line
    widened what LibreOffice printed and so shrank the table under it."""
    header_row = len(cover) + 2
    _set_up(worksheet, columns, freeze=f"A{header_row + 1}")
    last = get_column_letter(len(columns))
    width = sum(column.width for column in columns)
    heights = {}
    for number, line in enumerate(cover, start=1):
        _set_height(
            worksheet, number, min(MAX_ROW_HEIGHT, wrapped_lines(line, width) * LINE_HEIGHT + 6), heights
        )
        first = _cell(worksheet, styles, line, style=HEADLINE if number == 1 else STRAPLINE)
        worksheet.append([first, *_blanks(worksheet, styles, len(columns) - 1)])
        del worksheet.row_dimensions[number]
        worksheet.merged_cells.add(f"A{number}:{last}{number}")
    worksheet.append(_blanks(worksheet, styles, len(columns)))
    headings = [_cell(worksheet, styles, column.heading, style=HEADING) for column in columns]
    _set_height(worksheet, header_row, header_height(columns), heights)
    worksheet.append(headings)
    del worksheet.row_dimensions[header_row]
    row_number = header_row
    for values in rows:
        row_number += 1
        cells = [_cell(worksheet, styles, value) for value in values]
        _append(worksheet, row_number, cells, columns, heights)
    worksheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{row_number}"
    worksheet.print_title_rows = f"{header_row}:{header_row}"
    _set_up_printing(worksheet, footer=footer)
    # Finish the sheet's file now rather than at save, so that finished sheets hold no
    # buffers open and memory stays flat as the providers go by.
    worksheet.close()


def _set_up(worksheet, columns: list[Column], *, freeze: str | None = None, ruled: bool = True) -> None:
    """What write-only mode writes with the first row, so must be set before it. A table's
    columns are ruled, so that neighbouring cells' text does not run together in print."""
    for number, column in enumerate(columns, start=1):
        dimension = worksheet.column_dimensions[get_column_letter(number)]
        dimension.width = column.width
        # Body text, which LibreOffice gives the cells written with no style (_add_styles).
        dimension.font, dimension.alignment = PLAIN, WRAP
        if ruled:
            dimension.border = CELL_BORDER
    worksheet.freeze_panes = freeze
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True


def _set_up_printing(worksheet, footer: str = "&A") -> None:
    """Landscape A4, one page wide: written at the end of the sheet, so may be set last."""
    worksheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    worksheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    worksheet.page_margins.left = worksheet.page_margins.right = 0.3
    worksheet.oddFooter.left.text = footer
    worksheet.oddFooter.right.text = "Page &P of &N"


def _append(worksheet, row_number: int, cells: list, columns: list[Column], heights: dict) -> None:
    """Append a row with its height: LibreOffice does not fit rows to wrapped text when it
    opens an .xlsx. The row's dimension is written with the row, then dropped to keep memory
    flat; rows of the same height share one, which holds no row number (``heights``)."""
    lines = 1
    for cell, column in zip(cells, columns, strict=True):
        value = cell.value if isinstance(cell, Cell) else cell
        if isinstance(value, str):
            lines = max(lines, wrapped_lines(value, column.width))
    _set_height(worksheet, row_number, min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 4), heights)
    worksheet.append(cells)
    del worksheet.row_dimensions[row_number]


def _blanks(worksheet, styles: dict, count: int) -> list[Cell]:
    return [Cell(worksheet, row=1, column=1, style_array=styles[BLANK]) for _ in range(count)]


def _set_height(worksheet, row_number: int, height: float, heights: dict) -> None:
    if height not in heights:
        heights[height] = RowDimension(worksheet, ht=height)
    worksheet.row_dimensions[row_number] = heights[height]


def _cell(worksheet, styles: dict, value, *, style: str = TEXT) -> Cell | str | int | None:
    """A write-only cell in a named style; text is always text, never a formula (see
    lmns.spreadsheets.set_cell). An empty value is no cell at all: nothing to write or style.

    Body text is the plain value, in the default format (_add_styles), unless openpyxl would
    read it as a formula or an error code. Other cells are made with the named style's array
    (what ``cell.style = name`` copies), since looking the style up by name for each of
    thousands of cells took a tenth of the build time."""
    if value is None or value == "":
        return None
    if isinstance(value, Rated):
        style, value = f"RAG {RAG_NAMES[value.rag]}", value.text
    elif isinstance(value, date):
        style = DATE
    elif style == TEXT:
        if not isinstance(value, str):
            return value
        value = cell_text(value)
        if not value.startswith(FORMULA_PREFIXES) and value not in ERROR_CODES:
            return value
    # Row and column are placeholders, as in openpyxl's WriteOnlyCell: append() sets them.
    return set_cell(Cell(worksheet, row=1, column=1, style_array=styles[style]), value)


def _status(framework) -> str:
    if framework.is_closed:
        closed = f" on {long_date(framework.closed_at.date())}" if framework.closed_at else ""
        return f"Closed{closed}: kept as answered, read-only"
    return framework.get_status_display()


def _source(framework) -> str:
    parts = [framework.source_title, framework.source_publisher]
    if framework.source_date:
        parts.append(long_date(framework.source_date))
    # An author may attach the guidance without typing its title: the board still learns a copy is kept.
    if framework.source_document_name:
        parts.append(f"copy kept in the product as {framework.source_document_name}")
    return ", ".join(p for p in parts if p) or "Not recorded"


def _checked(framework) -> str:
    """Says plainly how much of the wording the board is declaring against has been checked."""
    counts = Requirement.objects.filter(action__framework=framework).aggregate(
        total=Count("pk"), checked=Count("pk", filter=Q(wording_checked=True))
    )
    total, checked = counts["total"], counts["checked"]
    if checked == total:
        return f"All {total} requirements checked against the source document"
    return (
        f"{checked} of {total} requirements checked against the source document; "
        f"{total - checked} NOT checked (marked NO on each provider's sheet): confirm them against the "
        "published guidance before the board relies on them"
    )


def _period(framework) -> str:
    start, end = framework.period_start, framework.period_end
    if start and end:
        return f"{long_date(start)} to {long_date(end)}"
    if start or end:
        return f"From {long_date(start)}" if start else f"Up to {long_date(end)}"
    return "Not stated"
