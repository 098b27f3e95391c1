"""Offline returns: a provider downloads its assessment as a workbook, fills it in, uploads it.

The upload is checked row by row against the same rules as the web form, and
applied only if every row passes: one bad row means nothing changes, so a half-
applied return never reaches the LMNS. Each row names its requirement by an item
ID, which must belong to the assessment being uploaded to; a return can never
write to another provider's assessment, whatever someone types into that column.
"""

import logging
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from assurance import services
from assurance.models import PID_WARNING, RequirementAssessment, Status
from lmns.exports import stamp
from lmns.spreadsheets import FONT, FONT_SIZE, Column, header_height, row_height, set_cell
from lmns.uploads import XLSX, kind_of
from lmns.workbook_limits import WorkbookLimits, WorkbookRefused, check_workbook

logger = logging.getLogger(__name__)

SHEET = "Return"
INSTRUCTIONS = "Instructions"
DATE_FORMAT = "dd/mm/yyyy"
STATUS_LABELS = [label for _, label in Status.choices]
STATUS_BY_LABEL = {label.casefold(): value for value, label in Status.choices}
# Generous, but they stop a crafted file from tying up the server.
MAX_EXTRA_ROWS = 1000
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
# What openpyxl may be given to read (lmns.workbook_limits). The largest framework has 45
# requirements and a return is read to MAX_EXTRA_ROWS past its last; these leave room for
# frameworks a hundred times larger, with a few columns of notes beside the return's ten.
WORKBOOK_LIMITS = WorkbookLimits(
    rows=5_000,
    cells_per_sheet=100_000,
    cells_per_workbook=200_000,
    shared_strings=50_000,
    shared_text_bytes=8 * 1024 * 1024,
    total_bytes=MAX_UNPACKED_BYTES,
    part_bytes=MAX_UNPACKED_BYTES,
)


@dataclass(frozen=True)
class ReturnColumn(Column):
    field: str = ""  # the RequirementAssessment field it fills in, if any
    editable: bool = False


# The columns that print (not the hidden Item ID) are 145 wide, which LibreOffice fits to landscape
# A4 at 9 pt or more (tests/test_workbooks_in_libreoffice.py); long text wraps.
COLUMNS = [
    ReturnColumn("Item ID", 10),
    ReturnColumn("Action", 8),
    ReturnColumn("Requirement code", 10),
    ReturnColumn("Requirement", 30),
    ReturnColumn("Status", 14, field="status", editable=True),
    ReturnColumn("Not applicable reason", 16, field="not_applicable_reason", editable=True),
    ReturnColumn("Commentary", 22, field="commentary", editable=True),
    ReturnColumn("Action plan", 20, field="action_plan", editable=True),
    ReturnColumn("Action owner", 13, field="action_owner", editable=True),
    ReturnColumn("Action plan due", 12, field="action_due_on", editable=True),
]
HEADINGS = [column.heading for column in COLUMNS]
INSTRUCTIONS_COLUMNS = [Column("", 110)]
HEADING_OF = {column.field: column.heading for column in COLUMNS if column.field}
ID, ACTION, CODE, TEXT, STATUS, NA_REASON, COMMENTARY, PLAN, OWNER, DUE = range(len(COLUMNS))

PLAIN = Font(name=FONT, size=FONT_SIZE)
BOLD = Font(name=FONT, size=FONT_SIZE, bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
EDITABLE_FILL = PatternFill("solid", fgColor="FFF9C4")  # pale yellow: fill these in


@dataclass(frozen=True)
class ReturnError:
    sheet: str | None
    row: int | None
    reason: str

    def __str__(self):
        if self.sheet and self.row:
            return f"Sheet {self.sheet}, row {self.row}: {self.reason}"
        if self.sheet:
            return f"Sheet {self.sheet}: {self.reason}"
        return self.reason


@dataclass
class ReturnRow:
    row: int
    item: RequirementAssessment
    fields: dict

    @property
    def changed(self) -> bool:
        return any(
            _comparable(getattr(self.item, name)) != _comparable(new) for name, new in self.fields.items()
        )


def _comparable(value):
    """A value as it survives a spreadsheet: different line endings, dropped control
    characters and surrounding spaces are no change, so re-uploading an untouched return
    does not withdraw positions the LMNS has verified."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return value


@dataclass
class ParsedReturn:
    rows: list[ReturnRow] = field(default_factory=list)
    errors: list[ReturnError] = field(default_factory=list)


# --- Download ---------------------------------------------------------------------------------


def return_workbook(*, assessment, generated_by) -> Workbook:
    """The assessment as a return to fill in offline: instructions, then one row per requirement."""
    items = assessment.items.select_related("requirement__action").order_by(
        "requirement__action__order", "requirement__order"
    )
    generated = stamp(generated_by)
    workbook = generated.workbook()
    _write_instructions(workbook.active, assessment=assessment, generated=generated.line)
    sheet = workbook.create_sheet(SHEET)
    for number, column in enumerate(COLUMNS, start=1):
        cell = set_cell(sheet.cell(row=1, column=number), column.heading)
        cell.font, cell.alignment = BOLD, WRAP
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.row_dimensions[1].height = header_height(COLUMNS)
    row_number = 1
    for row_number, item in enumerate(items, start=2):
        values = [
            item.pk,
            item.requirement.action.code,
            item.requirement.code,
            item.requirement.text,
            item.get_status_display(),
            item.not_applicable_reason,
            item.commentary,
            item.action_plan,
            item.action_owner,
            item.action_due_on,
        ]
        for number, (column, value) in enumerate(zip(COLUMNS, values, strict=True), start=1):
            cell = set_cell(sheet.cell(row=row_number, column=number), value if value != "" else None)
            cell.font, cell.alignment = PLAIN, WRAP
            if column.editable:
                cell.protection = Protection(locked=False)
                cell.fill = EDITABLE_FILL
        sheet.cell(row=row_number, column=DUE + 1).number_format = DATE_FORMAT
        sheet.row_dimensions[row_number].height = row_height(values, COLUMNS)

    last = max(row_number, 2)
    status_list = DataValidation(
        type="list",
        formula1='"{}"'.format(",".join(STATUS_LABELS)),
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Choose a status",
        error="Choose one of the statuses in the list.",
        promptTitle="Status",
        prompt="Choose from the list.",
        showInputMessage=True,
    )
    status_list.add(f"{get_column_letter(STATUS + 1)}2:{get_column_letter(STATUS + 1)}{last}")
    sheet.add_data_validation(status_list)
    # The item ID ties each row to its requirement: hidden, and locked with the other
    # columns that describe the requirement. Protection has no password; it prevents
    # slips, and the upload is checked whatever the file says.
    sheet.column_dimensions["A"].hidden = True
    sheet.protection.sheet = True
    sheet.protection.autoFilter = False
    sheet.protection.sort = False
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{last}"
    sheet.print_title_rows = "1:1"
    _print_setup(sheet)
    return workbook


def _print_setup(sheet) -> None:
    """Landscape A4, one page wide, as many pages down as it takes."""
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _write_instructions(sheet, *, assessment, generated: str) -> None:
    sheet.title = INSTRUCTIONS
    sheet.column_dimensions["A"].width = INSTRUCTIONS_COLUMNS[0].width
    lines = [
        f"{assessment.provider.name}: {assessment.framework.name} ({assessment.framework.version})",
        f"{generated}.",
        "",
        "How to fill in this return",
        f"1. On the {SHEET} sheet, fill in the yellow columns for each requirement.",
        "2. Status: choose from the list (" + ", ".join(STATUS_LABELS) + ").",
        "3. Not applicable: say why the requirement does not apply.",
        "4. Not met or partially met: give the action plan, its owner and the date it is due.",
        "5. Dates: enter them as dates, for example 31/03/2027.",
        "6. Do not add, copy or reorder rows between returns, and do not change the hidden Item ID column.",
        "7. Upload the file on the assessment page. If any row has a problem, nothing is saved:",
        "   you will see the sheet, row and reason for each problem, so you can fix them and upload again.",
        "",
        "A requirement you change goes back to 'not yet submitted': submit it again for LMNS verification.",
        "",
        PID_WARNING,
    ]
    for number, line in enumerate(lines, start=1):
        cell = set_cell(sheet.cell(row=number, column=1), line or None)
        cell.font = BOLD if number in {1, 4} else PLAIN
        cell.alignment = WRAP
        sheet.row_dimensions[number].height = row_height([line], INSTRUCTIONS_COLUMNS)
    _print_setup(sheet)


# --- Upload -----------------------------------------------------------------------------------


def return_parse(*, assessment, file) -> ParsedReturn:
    """Read a filled-in return and check every row; nothing is saved."""
    parsed = ParsedReturn()
    if reason := _not_a_return(file):
        parsed.errors.append(ReturnError(None, None, reason))
        return parsed
    items = {item.pk: item for item in assessment.items.select_related("requirement")}
    try:
        file.seek(0)
        # read_only streams the rows; data_only=False keeps a formula as the text typed.
        workbook = load_workbook(file, read_only=True, data_only=False)
        try:
            if SHEET not in workbook.sheetnames:
                reason = f"The workbook has no sheet called {SHEET}. Download a new return."
                parsed.errors.append(ReturnError(None, None, reason))
            else:
                sheet = workbook[SHEET]
                # Each row is read as wide as its last cell, not as the sheet claims to be.
                sheet.reset_dimensions()
                _parse_sheet(sheet, items=items, parsed=parsed)
        finally:
            workbook.close()
    except Exception:  # openpyxl raises many kinds of error on a damaged file
        logger.warning("Unreadable return uploaded to assessment %s", assessment.pk, exc_info=True)
        reason = "The file could not be read as an Excel workbook. Download a new return."
        return ParsedReturn(errors=[ReturnError(None, None, reason)])
    return parsed


def _not_a_return(file) -> str | None:
    """Why the file cannot be a return workbook, judged by its content, or None."""
    # Judged by content alone: whatever the file is called, only a workbook can be a return.
    try:
        kind = kind_of(file)
    except ValueError as error:
        return str(error)
    if kind != XLSX:
        return "Upload the return as an Excel workbook (.xlsx), as it was downloaded."
    # A return unpacks to a few hundred KB. Refusing big ones before reading them keeps a
    # small, highly compressed upload from unpacking into gigabytes on the server.
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        if sum(entry.file_size for entry in archive.infolist()) > MAX_UNPACKED_BYTES:
            return "The workbook is far larger than a return. Download a new return and fill that in."
    try:
        check_workbook(file, WORKBOOK_LIMITS)
    except WorkbookRefused as error:
        return str(error)
    return None


def _parse_sheet(sheet, *, items: dict, parsed: ParsedReturn) -> None:
    rows = sheet.iter_rows(values_only=True)
    headings = [_text(value) for value in next(rows, ())]
    while headings and not headings[-1]:
        headings.pop()
    if headings != HEADINGS:
        parsed.errors.append(
            ReturnError(
                SHEET, 1, "The headings have been changed. They must be: " + ", ".join(HEADINGS) + "."
            )
        )
        return
    seen = {}
    for row_number, values in enumerate(rows, start=2):
        values = list(values[: len(COLUMNS)]) + [None] * (len(COLUMNS) - len(values))
        blank = all(_text(value) == "" for value in values)
        if row_number > len(items) + MAX_EXTRA_ROWS:
            if not blank:
                parsed.errors.append(
                    ReturnError(SHEET, row_number, "The sheet has more rows than the return.")
                )
            return
        if blank:
            continue
        errors = []
        item = _item(values[ID], items, errors)
        if item is not None:
            if item.pk in seen:
                errors.append(f"Item {item.pk} is also on row {seen[item.pk]}: each requirement only once.")
            else:
                seen[item.pk] = row_number
            if _text(values[CODE]) != item.requirement.code:
                errors.append(
                    f"The requirement code does not match item {item.pk} ({item.requirement.code}): "
                    "do not change the Item ID or requirement columns."
                )
        fields = _fields(values, errors)
        if item is not None and not errors:
            errors.extend(_rule_errors(item, fields))
        parsed.errors.extend(ReturnError(SHEET, row_number, reason) for reason in errors)
        if not errors:
            parsed.rows.append(ReturnRow(row=row_number, item=item, fields=fields))


def _item(value, items: dict, errors: list) -> RequirementAssessment | None:
    if value is None or _text(value) == "":
        errors.append("The Item ID is missing: rows cannot be added to a return.")
        return None
    text = _text(value)
    # The same words whether the ID is another provider's or no one's, so as not to reveal which.
    if not text.isdigit() or int(text) not in items:
        errors.append(f"Item ID {text[:20]} is not a requirement of this assessment.")
        return None
    return items[int(text)]


def _fields(values: list, errors: list) -> dict:
    label = _text(values[STATUS])
    status = STATUS_BY_LABEL.get(label.casefold())
    if status is None:
        if label:
            errors.append(f"Status '{label[:50]}' is not one of: {', '.join(STATUS_LABELS)}.")
        else:
            errors.append("Choose a status.")
    fields = {
        "status": status,
        "not_applicable_reason": _text(values[NA_REASON]),
        "commentary": _text(values[COMMENTARY]),
        "action_plan": _text(values[PLAN]),
        "action_owner": _text(values[OWNER]),
        "action_due_on": _date(values[DUE], errors),
    }
    # The reason is kept only for a requirement that does not apply (as services.item_update does).
    if status != Status.NOT_APPLICABLE:
        fields["not_applicable_reason"] = ""
    return fields


def _rule_errors(item: RequirementAssessment, fields: dict) -> list[str]:
    """The model's own rules, checked on an unsaved copy of the item with the new values."""
    candidate = RequirementAssessment(
        pk=item.pk, assessment_id=item.assessment_id, requirement_id=item.requirement_id, **fields
    )
    errors = {}
    try:
        candidate.clean_fields(exclude=[f.name for f in candidate._meta.fields if f.name not in fields])
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        candidate.clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    # In column order, as the person fixing the row reads it.
    return [
        f"{heading}: {message}" for name, heading in HEADING_OF.items() for message in errors.get(name, [])
    ]


def _text(value) -> str:
    """A cell as text. A formula stays the text that was typed; it is never worked out."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = f"{value:%d/%m/%Y}"
    text = getattr(value, "text", value)  # array formulas
    return str(text).strip()


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _date(value, errors: list) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    match = _DMY.match(text)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"Action plan due '{text[:20]}' is not a date: enter it like 31/03/2027.")
        return None


def return_apply(*, assessment, file, by) -> int:
    """Apply an uploaded return, all or nothing. Returns how many requirements changed.

    Raises ValidationError listing every problem ("Sheet Return, row 7: ...") if any
    row fails its checks; then nothing is saved.
    """
    parsed = return_parse(assessment=assessment, file=file)
    if parsed.errors:
        raise ValidationError([str(error) for error in parsed.errors])
    changed = [row for row in parsed.rows if row.changed]
    with transaction.atomic():
        for row in changed:
            try:
                services.item_update(item=row.item, by=by, **row.fields)
            except ValidationError as error:
                raise ValidationError(
                    [str(ReturnError(SHEET, row.row, message)) for message in error.messages]
                ) from error
    return len(changed)
