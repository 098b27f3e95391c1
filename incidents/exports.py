"""Spreadsheet exports (openpyxl workbook builders). Pure functions: the view saves the result."""

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from lmns.exports import person as _person
from lmns.exports import stamp

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


@dataclass(frozen=True)
class Column:
    heading: str
    width: int


# Widths in characters. A landscape A4 page is fitted to the table's width: at about 150
# characters in all the text prints at 9.5 pt or more (at 213 it was 7 pt). The provider column
# holds a trust's name on one line ("Albatross Health NHS Trust"); long text wraps.
AGENDA_COLUMNS = [
    Column("Provider", 22),
    Column("Title", 18),
    Column("Themes", 14),
    Column("What happened", 21),
    Column("What we learned", 21),
    Column("What we changed", 21),
    Column("Submitted by", 12),
    Column("Submitted on", 14),
    Column("Late accepted", 12),
]

THEME_COLUMNS = [
    Column("Provider", 22),
    Column("Title", 20),
    Column("Also tagged", 16),
    Column("What happened", 31),
    Column("What we learned", 31),
    Column("What we changed", 31),
]


def meeting_pack_workbook(*, meeting, submissions, generated_by) -> Workbook:
    """The SSIG meeting pack: the whole agenda, then one sheet per theme.

    ``submissions`` comes from ``selectors.ssig_agenda_submissions``, already scoped
    to what ``generated_by`` may read. The pack shares learning only: nothing about
    the incidents behind it, which stay private to their provider.
    """
    submissions = list(submissions)
    generated = stamp(generated_by)
    workbook = generated.workbook()
    agenda = workbook.active
    agenda.title = "Agenda"
    cover = [
        meeting.lmns.name,
        f"Safety System Improvement Group: {_long_date(meeting.meeting_on)}",
        f"Submission deadline: {_long_date(meeting.submission_deadline)}",
        generated.line,
    ]
    if not submissions:
        cover.append("No learning has been submitted that you can see.")
    rows = [
        [
            submission.learning.provider.name,
            submission.learning.title,
            ", ".join(theme.name for theme in submission.learning.themes.all()),
            submission.learning.what_happened,
            submission.learning.what_we_learned,
            submission.learning.what_we_changed,
            _person(submission.submitted_by),
            timezone.localtime(submission.submitted_at).replace(tzinfo=None),
            f"Accepted by {_person(submission.late_accepted_by)}" if submission.late_accepted_by else "",
        ]
        for submission in submissions
    ]
    write_table(agenda, cover=cover, columns=AGENDA_COLUMNS, rows=rows)

    by_theme = defaultdict(list)
    for submission in submissions:
        for theme in submission.learning.themes.all():
            by_theme[theme].append(submission.learning)
    used_names = {"agenda"}
    for theme in sorted(by_theme, key=lambda theme: theme.name):
        learning_items = by_theme[theme]
        worksheet = workbook.create_sheet(_sheet_name(theme.name, used_names))
        cover = [
            f"Theme: {theme.name}",
            f"{meeting.lmns.name} SSIG, {_long_date(meeting.meeting_on)}: {_items(len(learning_items))}",
        ]
        rows = [
            [
                learning.provider.name,
                learning.title,
                ", ".join(other.name for other in learning.themes.all() if other.pk != theme.pk),
                learning.what_happened,
                learning.what_we_learned,
                learning.what_we_changed,
            ]
            for learning in learning_items
        ]
        write_table(worksheet, cover=cover, columns=THEME_COLUMNS, rows=rows)
    return workbook


def write_table(worksheet, *, cover: list[str], columns: list[Column], rows: list[list]):
    """Cover lines, a blank row, then a filterable table set up to print on landscape pages."""
    for line_number, line in enumerate(cover, start=1):
        cell = _set(worksheet.cell(row=line_number, column=1), line)
        cell.font = Font(name=FONT, bold=line_number == 1, size=FONT_SIZE + 1)
    header_row = len(cover) + 2
    wrap = Alignment(wrap_text=True, vertical="top")
    plain, bold = Font(name=FONT, size=FONT_SIZE), Font(name=FONT, size=FONT_SIZE, bold=True)
    for column_number, column in enumerate(columns, start=1):
        cell = _set(worksheet.cell(row=header_row, column=column_number), column.heading)
        cell.font, cell.alignment = bold, wrap
        worksheet.column_dimensions[get_column_letter(column_number)].width = column.width
    header_lines = max(_lines(column.heading, column.width) for column in columns)
    worksheet.row_dimensions[header_row].height = header_lines * LINE_HEIGHT + 4
    for row_number, values in enumerate(rows, start=header_row + 1):
        for column_number, value in enumerate(values, start=1):
            cell = _set(worksheet.cell(row=row_number, column=column_number), value)
            cell.font, cell.alignment = plain, wrap
            if isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
        # Set row heights: LibreOffice does not fit rows to wrapped text when it opens
        # an .xlsx, so without them long text overprints the rows below when printed.
        lines = max(_lines(value, column.width) for value, column in zip(values, columns, strict=True))
        worksheet.row_dimensions[row_number].height = min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 4)

    last_column = get_column_letter(len(columns))
    worksheet.freeze_panes = f"A{header_row + 1}"
    worksheet.auto_filter.ref = f"A{header_row}:{last_column}{header_row + len(rows)}"
    worksheet.print_title_rows = f"{header_row}:{header_row}"
    worksheet.page_setup.orientation = worksheet.ORIENTATION_LANDSCAPE
    worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A4
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.page_margins.left = worksheet.page_margins.right = 0.3
    worksheet.oddFooter.left.text = "&A"
    worksheet.oddFooter.right.text = "Page &P of &N"


def _set(cell, value):
    """Write a value; text is always stored as text, so a title such as "=HYPERLINK(…)"
    can never run as a formula. quotePrefix keeps it text if someone edits the cell,
    and is not shown, so the visible text is exactly what the provider wrote."""
    if isinstance(value, str):
        value = _text(value)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def _text(value: str) -> str:
    """Text a cell can hold: no control characters, at most Excel's length."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARS]


def _lines(value, width: int) -> int:
    """Roughly how many lines ``value`` wraps to in a column ``width`` characters wide."""
    if not isinstance(value, str):
        return 1
    per_line = max(1, int(width * 1.1))
    if value.isprintable():  # no line breaks: one paragraph, without splitting it
        return max(1, math.ceil(len(value) * 1.1 / per_line))
    return sum(max(1, math.ceil(len(part) * 1.1 / per_line)) for part in value.splitlines() or [""])


def _sheet_name(name: str, used: set[str]) -> str:
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


def _items(count: int) -> str:
    return f"{count} item{'' if count == 1 else 's'} of learning"


def _long_date(value) -> str:
    return f"{value:%-d %B %Y}"
