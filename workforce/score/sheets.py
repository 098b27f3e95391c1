"""Reading the two spreadsheets of a SCORE wave, every row or none: the mapping of work settings
(the template this product gives out, filled in) and the results platform's export.

Files are read through ``lmns.imports.parsing`` (the bounds every import shares: size, zip
bombs, macros, the workbook limits) and headings are matched as every import matches them
(``lmns.imports.mapping``). Each reader returns what it found and a list of problems by row;
the caller changes nothing unless the list is empty.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lmns.imports.mapping import normalise_heading
from lmns.imports.outcome import Outcome
from lmns.imports.parsing import Formula, ImportFileError, open_sheet
from workforce.score.models import MIN_RESPONSES
from workforce.score.reference import domains

SETTING = "Work setting"
HEADCOUNT = "Headcount"
# A wave maps a provider's maternity and neonatal teams: hundreds would be a mistake.
MAX_SETTINGS = 500
MAX_HEADCOUNT = 5_000
# The heading row may follow a few lines of title, as the template's and platforms' exports do.
HEADING_SEARCH_ROWS = 10
# Our fields in a results column mapping besides the domain codes.
RESULT_FIELDS = {"setting": "the work setting's name", "responses": "the number of responses"}


@dataclass
class MappingRow:
    name: str
    headcount: int


@dataclass
class ResultRow:
    setting: str  # as the wave names it
    responses: int
    # Empty for a setting with fewer than MIN_RESPONSES responses: its values are never read.
    percents: dict[str, Decimal] = field(default_factory=dict)


def default_results_columns() -> dict[str, str]:
    """The platform's headings as this product expects them, until a wave's import says otherwise."""
    return {"Work setting": "setting", "Responses": "responses"} | {
        d.label: d.code for d in domains().domains
    }


def _rows(file, outcome: Outcome, wanted: list[str]):
    """(heading positions, data rows) once a row holding every ``wanted`` heading is found."""
    try:
        sheet = open_sheet(file)
        wanted_keys = {normalise_heading(heading): heading for heading in wanted}
        rows = iter(sheet.rows)
        for number, cells in rows:
            found = {
                normalise_heading(cell): index for index, cell in enumerate(cells) if cell not in (None, "")
            }
            if all(key in found for key in wanted_keys):
                return {heading: found[key] for key, heading in wanted_keys.items()}, rows
            if number >= HEADING_SEARCH_ROWS:
                break
    except ImportFileError as error:
        outcome.add_problem(None, "", str(error))
        return None, ()
    missing = ", ".join(f"“{heading}”" for heading in wanted)
    outcome.add_problem(None, "", f"No row in the first {HEADING_SEARCH_ROWS} has the headings {missing}.")
    return None, ()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _whole_number(value, *, low: int, high: int) -> int | None:
    if isinstance(value, bool | Formula):
        return None
    try:
        number = Decimal(_text(value).replace(",", ""))
    except InvalidOperation:
        return None
    if number != number.to_integral_value() or not low <= number <= high:
        return None
    return int(number)


def _cell(cells: tuple, index: int):
    return cells[index] if index < len(cells) else None


def read_mapping(file) -> tuple[list[MappingRow], Outcome]:
    outcome = Outcome()
    columns, rows = _rows(file, outcome, [SETTING, HEADCOUNT])
    found: list[MappingRow] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        name_cell, count_cell = _cell(cells, columns[SETTING]), _cell(cells, columns[HEADCOUNT])
        name = _text(name_cell)
        if not name and _text(count_cell) == "":
            continue
        outcome.rows += 1
        if outcome.rows > MAX_SETTINGS:
            outcome.add_problem(number, SETTING, f"A wave can map at most {MAX_SETTINGS} work settings.")
            break
        if isinstance(name_cell, Formula) or isinstance(count_cell, Formula):
            outcome.add_problem(number, "", "Enter values, not formulas.")
            continue
        if not name:
            outcome.add_problem(number, SETTING, "Enter the work setting's name.")
        elif len(name) > 120:
            outcome.add_problem(number, SETTING, "Enter a name of 120 characters or fewer.")
        elif name.casefold() in seen:
            outcome.add_problem(number, SETTING, f"“{name}” is already on row {seen[name.casefold()]}.")
        else:
            seen[name.casefold()] = number
        headcount = _whole_number(count_cell, low=1, high=MAX_HEADCOUNT)
        if headcount is None:
            outcome.add_problem(
                number, HEADCOUNT, f"Enter the headcount as a whole number from 1 to {MAX_HEADCOUNT:,}."
            )
        if name and headcount is not None:
            found.append(MappingRow(name=name, headcount=headcount))
    if columns is not None and not outcome.rows:
        outcome.add_problem(None, "", "The file has headings but no work settings under them.")
    return found, outcome


def read_results(
    file, *, columns: dict[str, str], headcounts: dict[str, tuple[str, int]]
) -> tuple[list[ResultRow], Outcome]:
    """``columns`` maps the platform's headings to our fields (setting, responses, domain codes);
    ``headcounts`` the wave's settings, by casefolded name, to (name, headcount)."""
    outcome = Outcome()
    by_field = {our: theirs for theirs, our in columns.items()}
    positions, rows = _rows(file, outcome, list(columns))
    found: list[ResultRow] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        name = _text(_cell(cells, positions[by_field["setting"]]))
        if not name and not any(_text(cell) for cell in cells):
            continue
        outcome.rows += 1
        if outcome.rows > MAX_SETTINGS:
            outcome.add_problem(number, "", f"A wave has at most {MAX_SETTINGS} work settings.")
            break
        setting = headcounts.get(name.casefold())
        if setting is None:
            outcome.add_problem(
                number, by_field["setting"], f"“{name}” is not one of this wave's work settings."
            )
            continue
        if name.casefold() in seen:
            outcome.add_problem(
                number, by_field["setting"], f"“{name}” is already on row {seen[name.casefold()]}."
            )
            continue
        seen[name.casefold()] = number
        setting_name, headcount = setting
        responses = _whole_number(_cell(cells, positions[by_field["responses"]]), low=0, high=headcount)
        if responses is None:
            outcome.add_problem(
                number,
                by_field["responses"],
                f"Enter the responses as a whole number from 0 to the headcount, {headcount}.",
            )
            continue
        row = ResultRow(setting=setting_name, responses=responses)
        # Results of fewer than MIN_RESPONSES people are neither read nor kept.
        if responses >= MIN_RESPONSES:
            for code in domains().codes:
                heading = by_field.get(code)
                if heading is None:
                    continue
                value = _cell(cells, positions[heading])
                if _text(value) == "":
                    continue
                percent = _percent(value)
                if percent is None:
                    outcome.add_problem(number, heading, "Enter the % positive as a number from 0 to 100.")
                else:
                    row.percents[code] = percent
        found.append(row)
    if positions is not None and not outcome.rows:
        outcome.add_problem(None, "", "The file has headings but no work settings under them.")
    return found, outcome


def _percent(value) -> Decimal | None:
    if isinstance(value, bool | Formula):
        return None
    text = _text(value).rstrip("%").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or not 0 <= number <= 100:
        return None
    return number.quantize(Decimal("0.1"))
