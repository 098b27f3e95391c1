"""A framework as a spreadsheet: download it, edit it (in Excel or LibreOffice), upload it to a draft.

The download has a Framework sheet (what the framework is, for reference), an Actions sheet and a
Requirements sheet, one row each, in order, named by their codes. The upload reads the Actions and
Requirements sheets, checks every row against the rules the YAML loader uses
(assurance.framework_rules), and replaces the draft's actions and requirements with them only if
every row passes; otherwise nothing changes and each problem is listed as "Sheet Requirements,
row 7: reason". Downloading and uploading a file unchanged changes nothing.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from assurance import authoring
from assurance import framework_rules as rules
from assurance.framework_rules import RuleError, Where
from assurance.frameworks import ActionData, RequirementData
from assurance.models import Framework, Requirement
from lmns.exports import stamp
from lmns.spreadsheets import FONT, FONT_SIZE, Column, header_height, row_height, set_cell
from lmns.uploads import XLSX, kind_of
from lmns.workbook_limits import WorkbookLimits, WorkbookRefused, check_workbook

logger = logging.getLogger(__name__)

FRAMEWORK = "Framework"
ACTIONS = "Actions"
REQUIREMENTS = "Requirements"
DATE_FORMAT = "yyyy-mm-dd"  # as the YAML files write dates, and unambiguous in any locale
YES, NO = "Yes", "No"

# The framework's own details: a label and its value.
FRAMEWORK_COLUMNS = [Column("", 26), Column("", 90)]
ACTION_COLUMNS = [Column("Code", 10), Column("Title", 50), Column("Summary", 70)]
# 143 wide in all, which LibreOffice fits to landscape A4 at 9 pt or more
# (tests/test_workbooks_in_libreoffice.py); long text wraps.
REQUIREMENT_COLUMNS = [
    Column("Action code", 8),
    Column("Code", 8),
    Column("Title", 22),
    Column("Requirement text", 34),
    Column("Evidence guidance", 29),
    Column("Threshold", 11),
    Column("Due date", 11),
    Column("Wording checked", 10),
    Column("Replaces", 10),
]
A_CODE, A_TITLE, A_SUMMARY = range(len(ACTION_COLUMNS))
R_ACTION, R_CODE, R_TITLE, R_TEXT, R_GUIDANCE, R_THRESHOLD, R_DUE, R_CHECKED, R_REPLACES = range(
    len(REQUIREMENT_COLUMNS)
)
# The largest framework has 45 requirements: room for a hundred times that, and notes beside them.
WORKBOOK_LIMITS = WorkbookLimits(
    rows=5_000,
    cells_per_sheet=100_000,
    cells_per_workbook=200_000,
    shared_strings=50_000,
    shared_text_bytes=8 * 1024 * 1024,
    total_bytes=20 * 1024 * 1024,
    part_bytes=20 * 1024 * 1024,
)

PLAIN = Font(name=FONT, size=FONT_SIZE)
BOLD = Font(name=FONT, size=FONT_SIZE, bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


# --- Download ---------------------------------------------------------------------------------


def framework_workbook(*, framework: Framework, generated_by) -> Workbook:
    generated = stamp(generated_by)
    workbook = generated.workbook()
    _write_framework(workbook.active, framework, generated=generated.line)
    actions = list(framework.actions.order_by("order"))
    _write_table(
        workbook.create_sheet(ACTIONS),
        ACTION_COLUMNS,
        [[a.code, a.title, a.summary] for a in actions],
    )
    requirements = (
        Requirement.objects.filter(action__framework=framework)
        .select_related("action", "replaces")
        .order_by("action__order", "order")
    )
    _write_table(
        workbook.create_sheet(REQUIREMENTS),
        REQUIREMENT_COLUMNS,
        [
            [
                r.action.code,
                r.code,
                r.title,
                r.text,
                r.evidence_guidance,
                r.threshold,
                r.due_on,
                YES if r.wording_checked else NO,
                r.replaces.code if r.replaces else "",
            ]
            for r in requirements
        ],
    )
    return workbook


def _write_framework(sheet, framework: Framework, *, generated: str) -> None:
    sheet.title = FRAMEWORK
    for letter, column in zip("AB", FRAMEWORK_COLUMNS, strict=True):
        sheet.column_dimensions[letter].width = column.width
    rows = [
        ("", generated),
        ("", ""),
        ("Name", framework.name),
        ("Publisher", framework.publisher),
        ("Version", framework.version),
        ("Period start", framework.period_start),
        ("Period end", framework.period_end),
        *((f"Deadline: {d.name}", d.due_on) for d in framework.deadlines.order_by("due_on", "name")),
        ("Previous version", str(framework.previous) if framework.previous else ""),
        ("Source publisher", framework.source_publisher),
        ("Source document", framework.source_title),
        ("Source date", framework.source_date),
        ("Source link", framework.source_url),
        ("Status", framework.get_status_display()),
        ("", ""),
        (
            "",
            "This sheet is for reference: an upload reads only the Actions and Requirements sheets, "
            "and replaces the draft's actions and requirements with them. Change the name, period, "
            "deadlines and source on the framework's page. Keep each row's codes: a requirement's "
            "Replaces is its code in the previous version, blank for a new requirement. Write dates "
            "as dates and Wording checked as Yes or No.",
        ),
    ]
    for number, (label, value) in enumerate(rows, start=1):
        cell = set_cell(sheet.cell(row=number, column=1), label or None)
        cell.font, cell.alignment = BOLD, WRAP
        cell = set_cell(sheet.cell(row=number, column=2), value if value != "" else None)
        cell.font, cell.alignment = PLAIN, WRAP
        if isinstance(value, date):
            cell.number_format = DATE_FORMAT
        sheet.row_dimensions[number].height = row_height([label, value], FRAMEWORK_COLUMNS)
    _print_setup(sheet)


def _write_table(sheet, columns: list[Column], rows: list[list]) -> None:
    for number, column in enumerate(columns, start=1):
        cell = set_cell(sheet.cell(row=1, column=number), column.heading)
        cell.font, cell.alignment = BOLD, WRAP
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.row_dimensions[1].height = header_height(columns)
    for row_number, values in enumerate(rows, start=2):
        for number, value in enumerate(values, start=1):
            cell = set_cell(sheet.cell(row=row_number, column=number), value if value != "" else None)
            cell.font, cell.alignment = PLAIN, WRAP
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
        sheet.row_dimensions[row_number].height = row_height(values, columns)
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    _print_setup(sheet)


def _print_setup(sheet) -> None:
    """Landscape A4, one page wide: printed as it came, the framework's values fell on a
    second page, away from their labels."""
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


# --- Upload -----------------------------------------------------------------------------------


@dataclass
class _Row:
    where: Where
    values: list
    errors: list[str]

    def read(self, rule, index: int, what: str, *args, **kwargs):
        """A cell checked by one of the shared rules; a broken rule is noted and gives None."""
        try:
            return rule(_text(self.values[index]), what, *args, **kwargs)
        except RuleError as error:
            self.errors.append(str(error))
            return None


def framework_upload(*, framework: Framework, file, by) -> Framework:
    """Replace a draft's actions and requirements with an uploaded workbook's, all or nothing.

    Raises ValidationError listing every problem ("Sheet Requirements, row 7: ...") when the file
    or any row is refused; then nothing changes.
    """
    authoring.ensure_draft(framework)
    actions = framework_parse(framework=framework, file=file)
    return authoring.framework_replace_contents(framework=framework, by=by, actions=actions)


def framework_parse(*, framework: Framework, file) -> list[ActionData]:
    """Read an uploaded workbook's actions and requirements and check every row; nothing is saved."""
    _check_file(file)
    try:
        file.seek(0)
        # read_only streams the rows; data_only=False keeps a formula as the text typed.
        workbook = load_workbook(file, read_only=True, data_only=False)
        try:
            missing = [name for name in (ACTIONS, REQUIREMENTS) if name not in workbook.sheetnames]
            if missing:
                raise ValidationError(
                    f"The workbook has no sheet called {' or '.join(missing)}. "
                    "Download the framework as a spreadsheet and edit that."
                )
            action_rows = _rows(workbook[ACTIONS], ACTIONS, ACTION_COLUMNS)
            requirement_rows = _rows(workbook[REQUIREMENTS], REQUIREMENTS, REQUIREMENT_COLUMNS)
        finally:
            workbook.close()
    except ValidationError:
        raise
    except Exception:  # openpyxl raises many kinds of error on a damaged file
        logger.warning("Unreadable framework workbook uploaded to %s", framework.slug, exc_info=True)
        raise ValidationError("The file could not be read as an Excel workbook.") from None

    # A row with a broken cell still takes part in the checks across rows (duplicates, replaces)
    # as far as its code allows, so one upload lists every problem.
    actions = [action for action in map(_action, action_rows) if action.code]
    by_code = {}
    for action in actions:
        by_code.setdefault(action.code, action)
    listed = {_text(row.values[A_CODE]) for row in action_rows}
    for row in requirement_rows:
        requirement = _requirement(row)
        action_code = _text(row.values[R_ACTION])
        if not action_code:
            row.errors.append("Action code must not be empty")
        elif action_code in by_code:
            if requirement.code:
                by_code[action_code].requirements.append(requirement)
        elif action_code not in listed:  # else its action's own row is reported
            row.errors.append(f"Action code '{action_code[:30]}' is not on the {ACTIONS} sheet")
    earlier = Requirement.objects.filter(action__framework_id=framework.previous_id)
    earlier = set(earlier.values_list("code", flat=True))
    found = [(row.where, reason) for row in action_rows + requirement_rows for reason in row.errors]
    found += rules.structure_errors(actions)
    previous = str(framework.previous) if framework.previous_id else None
    found += rules.replaces_errors(actions, earlier=earlier, previous=previous)
    if not actions and not found:
        found.append((Where(ACTIONS, 2, sheet=True), "a framework needs at least one action"))
    if found:
        order = [ACTIONS, REQUIREMENTS]
        found.sort(key=lambda error: (order.index(error[0].source), error[0].line))
        raise ValidationError([f"{where}: {_sentence(reason)}" for where, reason in found])
    return actions


def _check_file(file) -> None:
    # Judged by content alone: whatever the file is called, only a workbook can be read.
    try:
        kind = kind_of(file)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    if kind != XLSX:
        raise ValidationError("Upload the framework as an Excel workbook (.xlsx).")
    try:
        check_workbook(file, WORKBOOK_LIMITS)
    except WorkbookRefused as error:
        raise ValidationError(str(error)) from None


def _rows(sheet, name: str, columns: list[Column]) -> list[_Row]:
    # Each row is read as wide as its last cell, not as the sheet claims to be.
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    headings = [_text(value) for value in next(rows, ())]
    while headings and not headings[-1]:
        headings.pop()
    expected = [column.heading for column in columns]
    if headings != expected:
        raise ValidationError(
            f"{Where(name, 1, sheet=True)}: the headings have been changed; they must be "
            f"{', '.join(expected)}."
        )
    found = []
    for number, values in enumerate(rows, start=2):
        values = list(values[: len(columns)]) + [None] * (len(columns) - len(values))
        if any(_text(value) for value in values):
            found.append(_Row(Where(name, number, sheet=True), values, []))
    return found


def _action(row: _Row) -> ActionData:
    """The row's action; a cell that breaks a rule is None, and the row's errors say why."""
    return ActionData(
        where=row.where,
        code=row.read(rules.code, A_CODE, "Code", rules.ACTION_CODE_LENGTH),
        title=row.read(rules.text, A_TITLE, "Title", rules.TITLE_LENGTH),
        summary=row.read(rules.text, A_SUMMARY, "Summary", blank=True),
        requirements=[],
        requirements_where=row.where,
    )


def _requirement(row: _Row) -> RequirementData:
    """The row's requirement; a cell that breaks a rule is None, and the row's errors say why."""
    values = row.values
    return RequirementData(
        where=row.where,
        code=row.read(rules.code, R_CODE, "Code", rules.REQUIREMENT_CODE_LENGTH),
        title=row.read(rules.text, R_TITLE, "Title", rules.TITLE_LENGTH),
        text=row.read(rules.text, R_TEXT, "Requirement text"),
        evidence_guidance=row.read(rules.text, R_GUIDANCE, "Evidence guidance", blank=True),
        threshold=row.read(rules.text, R_THRESHOLD, "Threshold", rules.THRESHOLD_LENGTH, blank=True),
        # A date typed into the cell is a date; one written as text must be YYYY-MM-DD, as in the files.
        due_on=_date(values[R_DUE]) or row.read(rules.iso_date, R_DUE, "Due date", blank=True),
        wording_checked=row.read(rules.boolean, R_CHECKED, "Wording checked"),
        replaces=row.read(rules.code, R_REPLACES, "Replaces", rules.REQUIREMENT_CODE_LENGTH)
        if _text(values[R_REPLACES])
        else "",
    )


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _text(value) -> str:
    """A cell as text. A formula stays the text that was typed; it is never worked out."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = f"{value:%Y-%m-%d}"
    text = str(getattr(value, "text", value))  # array formulas
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _sentence(reason: str) -> str:
    return reason[:1].upper() + reason[1:] + ("" if reason.endswith(".") else ".")
