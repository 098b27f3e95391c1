"""Writing spreadsheets that print: every workbook the product exports is built from these.

Text is stored as text (never a formula), cut to what a cell holds; tables have a cover, a
filterable heading row, rows tall enough for their wrapped text, and print on landscape A4 at
9 pt or more (issue #22)."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

# Text a spreadsheet could read as a formula (or, for CSV re-exports, as a DDE command).
FORMULA_PREFIXES = ("=", "+", "-", "@")
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
DATETIME_FORMAT = "d mmm yyyy hh:mm"
DATE_FORMAT = "d mmm yyyy"
FONT = "Arial"  # the NHS identity's fallback for Frutiger, and metric-compatible fonts exist everywhere
FONT_SIZE = 11
LINE_HEIGHT = 14  # points per line of wrapped text at FONT_SIZE
MAX_ROW_HEIGHT = 409  # Excel's limit
# A light rule round each cell of a table: printed without one, the text of neighbouring cells
# ran together into one line (issue #22). NHS grey 4.
_RULE = Side(style="thin", color="FFD8DDE0")
CELL_BORDER = Border(left=_RULE, right=_RULE, top=_RULE, bottom=_RULE)
# How many characters of column width a landscape A4 page (0.3 inch side margins) holds at
# 100%, as LibreOffice prints it: measured from the PDFs it makes of these workbooks. Fitted to
# the page's width, a sheet wider than this is printed smaller; at PRINT_WIDTH (155) the text
# prints at 11 pt x 131 / 155 = 9.3 pt, and no sheet may be wider (issue #22: nothing under 9 pt).
PAGE_WIDTH = 131
PRINT_WIDTH = 155


@dataclass(frozen=True)
class Column:
    heading: str
    width: int


def write_table(
    worksheet,
    *,
    cover: list[str],
    columns: list[Column],
    rows: list[list],
    empty: str = "None recorded.",
    footer: str = "&A",
):
    """Cover lines, a blank row, then a filterable table set up to print on landscape pages.

    Each cover line wraps within the table's width: left to overflow, a long line widened
    what LibreOffice printed and so shrank the table under it. A table with no rows says
    ``empty`` under its headings rather than printing a page of headings alone. ``footer``
    names the sheet at the foot of each page: a sheet's own name may be cut to 31 characters.
    """
    last_column = get_column_letter(len(columns))
    table_width = sum(column.width for column in columns)
    for line_number, line in enumerate(cover, start=1):
        cell = set_cell(worksheet.cell(row=line_number, column=1), line)
        cell.font = Font(name=FONT, bold=line_number == 1, size=FONT_SIZE + 1)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if len(columns) > 1:
            worksheet.merge_cells(f"A{line_number}:{last_column}{line_number}")
        # Cover lines are a point larger than the table's text: a little less to a line, a little taller.
        lines = wrapped_lines(line, table_width * FONT_SIZE // (FONT_SIZE + 1), bold=line_number == 1)
        worksheet.row_dimensions[line_number].height = min(MAX_ROW_HEIGHT, lines * (LINE_HEIGHT + 2) + 4)
    header_row = len(cover) + 2
    wrap = Alignment(wrap_text=True, vertical="top")
    plain, bold = Font(name=FONT, size=FONT_SIZE), Font(name=FONT, size=FONT_SIZE, bold=True)
    for column_number, column in enumerate(columns, start=1):
        cell = set_cell(worksheet.cell(row=header_row, column=column_number), column.heading)
        cell.font, cell.alignment = bold, wrap
        if column.heading:  # a list of labels and values has no heading row to rule
            cell.border = CELL_BORDER
        worksheet.column_dimensions[get_column_letter(column_number)].width = column.width
    worksheet.row_dimensions[header_row].height = header_height(columns)
    if not rows:
        cell = set_cell(worksheet.cell(row=header_row + 1, column=1), empty)
        cell.font = plain
    for row_number, values in enumerate(rows, start=header_row + 1):
        for column_number, value in enumerate(values, start=1):
            cell = set_cell(worksheet.cell(row=row_number, column=column_number), value)
            cell.font, cell.alignment, cell.border = plain, wrap, CELL_BORDER
            if isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
        worksheet.row_dimensions[row_number].height = row_height(values, columns)

    worksheet.freeze_panes = f"A{header_row + 1}"
    worksheet.auto_filter.ref = f"A{header_row}:{last_column}{header_row + max(1, len(rows))}"
    worksheet.print_title_rows = f"{header_row}:{header_row}"
    worksheet.page_setup.orientation = worksheet.ORIENTATION_LANDSCAPE
    worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A4
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.page_margins.left = worksheet.page_margins.right = 0.3
    worksheet.oddFooter.left.text = footer
    worksheet.oddFooter.right.text = "Page &P of &N"


def header_height(columns: list[Column]) -> float:
    """A header row's height: its headings are bold, so wrap sooner than body text."""
    return _height(max(wrapped_lines(column.heading, column.width, bold=True) for column in columns))


def row_height(values: list, columns: list[Column]) -> float:
    """A row's height, from its longest wrapped value. LibreOffice does not fit rows to wrapped
    text when it opens an .xlsx, so without it long text overprints the rows below when printed."""
    return _height(
        max(wrapped_lines(value, column.width) for value, column in zip(values, columns, strict=True))
    )


def _height(lines: int) -> float:
    return min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 4)


def set_cell(cell, value):
    """Write a value; text is always stored as text, so a title such as "=HYPERLINK(…)"
    can never run as a formula. quotePrefix keeps it text if someone edits the cell,
    and is not shown, so the visible text is exactly what the provider wrote."""
    if isinstance(value, str):
        value = cell_text(value)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def cell_text(value: str) -> str:
    """Text a cell can hold: no control characters, at most Excel's length."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARS]


def wrapped_lines(value, width: int, *, bold: bool = False) -> int:
    """Roughly how many lines ``value`` wraps to in a column ``width`` characters wide.

    Wrapped word by word, as LibreOffice does: counting characters alone missed the line a
    long word starts, and a heading printed a line taller than its row, over the first row.
    Arial is a little wider than the width's unit (the default font's digit), bold more so.
    """
    if not isinstance(value, str):
        return 1
    per_line = max(1.0, width * (1.0 if bold else 1.2))
    return sum(_wrapped(part, per_line) for part in value.splitlines() or [""])


def _wrapped(paragraph: str, per_line: float) -> int:
    lines, used = 1, 0
    for word in paragraph.split():
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, 0
        used = used + 1 + len(word) if used else len(word)
        while used > per_line:  # a word longer than the line breaks where it must
            lines, used = lines + 1, used - int(per_line)
    return lines


def unique_sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\, not
    starting or ending with an apostrophe, and unique ignoring case (as Excel requires)."""
    base = SHEET_NAME_FORBIDDEN.sub("-", name).strip().strip("'").strip() or "Theme"
    candidate, number = base[:SHEET_NAME_MAX].rstrip(" '"), 1
    while candidate.lower() in used or candidate.lower() == "history":  # "History" is reserved
        number += 1
        suffix = f" ({number})"
        candidate = base[: SHEET_NAME_MAX - len(suffix)].rstrip(" '") + suffix
    used.add(candidate.lower())
    return candidate
