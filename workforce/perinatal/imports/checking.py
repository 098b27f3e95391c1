"""Checking a file of monthly figures row by row with the return form's rules, and (when asked)
saving it.

Each row is one site and month. Its cells are read into figures here (numbers, yes or no,
dates, the month, the site); then the row goes through the very services the return form
calls (``monthly_return_submit`` and ``monthly_return_update``), so that a part larger than its
whole, a figure out of range or a month not yet over is refused in the same words, and a jump
beyond the usual is found by the same rule. Rows are taken month by month for each provider, so
that March in the file is compared with February in the file. A check runs everything in a
transaction and rolls it back; applying keeps it, but only if no row had a problem.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from lmns import access
from lmns.dates import implausible
from lmns.history import recorded_as
from lmns.imports.mapping import normalise_heading
from lmns.imports.outcome import Outcome
from lmns.imports.parsing import MAX_COLUMNS, Formula, Sheet
from lmns.models import Provider, Unit
from workforce.models import WorkforceReturn
from workforce.perinatal import selectors as perinatal_selectors
from workforce.perinatal import services as perinatal_services
from workforce.perinatal.imports.fields import FIELDS, MONTH, REQUIRED, SITE, Field
from workforce.perinatal.imports.models import MonthlyReturnImport
from workforce.perinatal.models import PerinatalReturn

# A file holds site-months: twenty sites for ten years is 2,400. Each row is checked through
# the return's services (a few dozen queries), so this bounds the work before it starts.
MAX_ROWS = 2_400
MAX_CHANGES = MAX_ROWS
ACTION = "import_monthly_returns"
_MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d", "%m/%Y", "%d/%m/%Y", "%b %Y", "%B %Y", "%b-%Y", "%b-%y", "%Y%m"]
_DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y"]
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


class _RollBack(Exception):
    pass


class CellProblem(Exception):
    pass


@dataclass
class _Row:
    number: int
    code: str
    provider: Provider
    month: date
    values: dict  # field name -> value, only the columns the file has


def _filled(cell) -> bool:
    return cell is not None and (not isinstance(cell, str) or cell.strip() != "")


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _shown(value) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.strftime("%-d %B %Y")
    return str(value)


def _signal_notes(provider: Provider, opened: list, known: set) -> list[str]:
    """What the outcome signal made of the saved figures: each signal opened, with its check's due
    date, and the crossings this import brought about in older figures, which opened none
    (models.SIGNAL_WINDOW_MONTHS); those ``known`` before it are not news."""
    notes = [
        f"{provider.name}: the figures opened {'a red' if signal.level == 'red' else 'an amber'} LMNS "
        f"outcome signal for {signal.get_measure_display().lower()} ({signal.month:%B %Y}); its critical "
        f"safety check is due by {signal.check_due_on:%-d %B %Y}."
        for signal in opened
    ]
    past = perinatal_selectors.past_crossings(
        provider=provider, cusums=perinatal_selectors.provider_cusums(provider=provider), excluding=known
    )
    if past:
        notes.append(f"{provider.name}: {past.words} They are listed on its perinatal page.")
    return notes


def scope(*, record: MonthlyReturnImport, by) -> dict[str, Provider]:
    """The providers whose rows ``by`` may import in this import, by their ODS code and by
    their sites' codes (upper case): the import's provider, or, for an LMNS-wide import, every
    provider of its LMNS at which ``by`` may import."""
    providers = access.providers_where(by, ACTION).filter(lmns_id=record.lmns_id)
    if record.provider_id is not None:
        providers = providers.filter(pk=record.provider_id)
    providers = list(providers)
    codes = {provider.ods_code.upper(): provider for provider in providers}
    by_pk = {provider.pk: provider for provider in providers}
    for unit in Unit.objects.filter(provider__in=providers).only("ods_site_code", "provider_id"):
        codes.setdefault(unit.ods_site_code.upper(), by_pk[unit.provider_id])
    return codes


class Checker:
    """Checks (and with ``write``, saves) one sheet for one import, as ``by``."""

    def __init__(self, *, record: MonthlyReturnImport, by, write: bool = False):
        self.record = record
        self.by = by
        self.write = write
        self.outcome = Outcome()
        self.codes = scope(record=record, by=by)
        self.column_field = {
            normalise_heading(heading): name for heading, name in record.mapping["columns"].items()
        }
        self.mapped_heading = {}
        for heading, name in record.mapping["columns"].items():
            self.mapped_heading.setdefault(name, heading)
        self.index_of: dict[str, int] = {}
        self.heading_of: dict[str, str] = {}
        self.flags = 0

    # --- the whole sheet --------------------------------------------------------------

    def run(self, sheet: Sheet) -> Outcome:
        self.outcome.notes.extend(sheet.notes)
        try:
            rows = self._read(sheet)
        finally:
            sheet.rows.close()
        if rows is None:
            return self.outcome
        if not self.outcome.problem_count or not self.write:
            self._check_rows(rows)
        return self.outcome

    def _read(self, sheet: Sheet) -> list[_Row] | None:
        header = next(sheet.rows, None)
        if header is None:
            self.outcome.add_problem(
                None, "", "The file has no rows: it should start with a row of column headings."
            )
            return None
        if not self._read_header(*header):
            return None
        rows, seen = [], {}
        for number, cells in sheet.rows:
            if not any(_filled(cell) for cell in cells):
                continue
            self.outcome.rows += 1
            if self.outcome.rows > MAX_ROWS:
                self.outcome.add_problem(
                    number, "", f"The file has more than {MAX_ROWS:,} site-months. Import it in parts."
                )
                return None
            row = self._read_row(number, cells)
            if row is None:
                continue
            key = (row.provider.pk, row.month)
            if key in seen:
                self.outcome.add_problem(
                    number,
                    self.heading_of[MONTH],
                    f"{row.provider.name}, {row.month:%B %Y} is also in row {seen[key]}: "
                    "give each month once.",
                )
                continue
            seen[key] = number
            rows.append(row)
        if self.outcome.rows == 0:
            self.outcome.add_problem(None, "", "The file has column headings but no figures under them.")
        return rows

    def _read_header(self, number: int, cells: tuple) -> bool:
        if len(cells) > MAX_COLUMNS:
            self.outcome.add_problem(number, "", f"The file has more than {MAX_COLUMNS} columns.")
            return False
        ignored = []
        for index, cell in enumerate(cells):
            if not _filled(cell):
                continue
            if isinstance(cell, Formula):
                self.outcome.add_problem(number, _column_letter(index), "A column heading is a formula.")
                continue
            heading = " ".join(str(cell).split())
            name = self.column_field.get(normalise_heading(cell))
            if name is None:
                ignored.append(heading)
            elif name in self.index_of:
                self.outcome.add_problem(
                    number,
                    heading,
                    f"Both “{self.heading_of[name]}” and “{heading}” map to {FIELDS[name].label}.",
                )
            else:
                self.index_of[name], self.heading_of[name] = index, heading
        for name in REQUIRED:
            if name not in self.index_of:
                self.outcome.add_problem(
                    number,
                    "",
                    f"No column is headed “{self.mapped_heading.get(name, FIELDS[name].label)}” "
                    f"({FIELDS[name].label}). Check the column mapping.",
                )
        if ignored:
            self.outcome.notes.append("Columns not imported: " + ", ".join(ignored[:20]) + ".")
        return not self.outcome.problem_count

    def _read_row(self, number: int, cells: tuple) -> _Row | None:
        values, failed = {}, False
        for name, index in self.index_of.items():
            raw = cells[index] if index < len(cells) else None
            try:
                values[name] = self._value(FIELDS[name], raw)
            except CellProblem as problem:
                self.outcome.add_problem(number, self.heading_of[name], str(problem))
                failed = True
        if failed:
            return None
        code, month = values.pop(SITE), values.pop(MONTH)
        return _Row(number, code, self.codes[code], month, values)

    # --- cells --------------------------------------------------------------------------

    def _value(self, definition: Field, raw):
        if isinstance(raw, Formula):
            raise CellProblem("This cell is a formula; formulas are refused. Paste the values instead.")
        if isinstance(raw, str):
            raw = raw.strip()
        if not _filled(raw):
            if definition.optional:
                return None
            raise CellProblem(
                f"The cell is empty: enter the {definition.label[:1].lower()}{definition.label[1:]}."
            )
        return getattr(self, f"_{definition.kind}")(raw)

    def _site(self, raw):
        code = str(raw).strip().upper()
        if code not in self.codes:
            # The same words whether the code is unknown or another provider's: no existence is revealed.
            raise CellProblem(
                f"“{code[:20]}” is not the ODS code of a provider or site you can import figures for here."
            )
        return code

    def _month(self, raw):
        if isinstance(raw, datetime | date):
            value = raw.date() if isinstance(raw, datetime) else raw
        else:
            text = _TIME_SUFFIX.sub("", str(raw).strip())
            value = None
            for format_ in _MONTH_FORMATS:
                try:
                    value = datetime.strptime(text, format_).date()
                    break
                except ValueError:
                    continue
            if value is None:
                raise CellProblem(
                    f"“{str(raw)[:40]}” is not a month. Use a month such as 2026-01 or January 2026."
                )
        if problem := implausible(value, today=timezone.localdate()):
            raise CellProblem(f"The month {problem}.")
        return value.replace(day=1)

    def _count(self, raw):
        if isinstance(raw, bool):
            raise CellProblem("Enter a whole number here.")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        text = str(raw).replace(",", "").strip()
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        raise CellProblem(f"“{str(raw)[:40]}” is not a whole number.")

    def _decimal(self, raw):
        if isinstance(raw, bool):
            raise CellProblem("Enter a number here.")
        try:
            value = Decimal(str(raw).replace(",", "").strip())
        except InvalidOperation:
            raise CellProblem(f"“{str(raw)[:40]}” is not a number.") from None
        if not value.is_finite():
            raise CellProblem(f"“{str(raw)[:40]}” is not a number.")
        return value

    def _yes_no(self, raw):
        key = str(raw).strip().casefold()
        if isinstance(raw, bool):
            return raw
        if key in _YES:
            return True
        if key in _NO:
            return False
        raise CellProblem(f"“{str(raw)[:40]}” is not yes or no.")

    def _date(self, raw):
        value = self._read_date(raw)
        if problem := implausible(value, today=timezone.localdate()):
            raise CellProblem(f"The date {problem}.")
        return value

    def _read_date(self, raw):
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        text = _TIME_SUFFIX.sub("", str(raw).strip())
        for format_ in _DATE_FORMATS:
            try:
                return datetime.strptime(text, format_).date()
            except ValueError:
                continue
        raise CellProblem(f"“{str(raw)[:40]}” is not a date. Use a date such as 31/01/2026 or 2026-01-31.")

    # --- rows through the return's services -----------------------------------------------

    def _check_rows(self, rows: list[_Row]) -> None:
        rows.sort(key=lambda row: (row.provider.name, row.month))
        existing = {
            (ret.provider_id, ret.month): ret
            for ret in WorkforceReturn.objects.filter(
                provider__in={row.provider.pk for row in rows}, month__in={row.month for row in rows}
            )
        }
        held = {
            perinatal.workforce_return_id: perinatal
            for perinatal in PerinatalReturn.objects.filter(workforce_return__in=list(existing.values()))
        }
        changes = []
        reason = f"Imported from {self.record.original_name} (import {self.record.pk})"
        providers = sorted({row.provider for row in rows}, key=lambda p: p.name)
        known = {
            provider: perinatal_selectors.crossing_keys(
                perinatal_selectors.provider_cusums(provider=provider)
            )
            for provider in (providers if self.write else [])
        }
        try:
            with transaction.atomic(), recorded_as(user=self.by, reason=reason):
                for row in rows:
                    current = existing.get((row.provider.pk, row.month))
                    change = self._check_row(row, current, held.get(current.pk) if current else None)
                    if change is not None:
                        changes.append(change)
                if self.write and not self.outcome.problem_count:
                    for provider in providers:
                        opened = perinatal_services.outcome_signals_detect(provider=provider, by=self.by)
                        self.outcome.notes.extend(_signal_notes(provider, opened, known[provider]))
                if not self.write or self.outcome.problem_count:
                    raise _RollBack
        except _RollBack:
            pass
        changes.sort(key=lambda change: change["row"])
        self.outcome.changes = changes[:MAX_CHANGES]

    def _check_row(self, row: _Row, current: WorkforceReturn | None, perinatal: PerinatalReturn | None):
        workforce = {name: value for name, value in row.values.items() if FIELDS[name].part == "workforce"}
        figures = {name: value for name, value in row.values.items() if FIELDS[name].part == "perinatal"}
        change = {
            "row": row.number,
            "site": row.code,
            "provider": row.provider.name,
            "month": row.month.isoformat(),
            "month_label": f"{row.month:%B %Y}",
            "flags": [],
        }
        if current is not None:
            changed = [
                f"{FIELDS[name].label}: {_shown(getattr(current, name))} → {_shown(value)}"
                for name, value in workforce.items()
                if getattr(current, name) != value
            ] + [
                f"{FIELDS[name].label}: {_shown(getattr(perinatal, name, None))} → {_shown(value)}"
                for name, value in figures.items()
                if perinatal is None or getattr(perinatal, name) != value
            ]
            if not changed:
                # The same file imported twice changes nothing, and is no problem.
                self.outcome.unchanged += 1
                return None
            if not self.record.update_existing:
                self.outcome.add_problem(
                    row.number,
                    self.heading_of[MONTH],
                    f"{row.provider.name} already has a return for {row.month:%B %Y}. Upload the file again "
                    "with “Update months that already have a return” ticked to change it.",
                )
                return None
            change.update(action="update", changes=changed)
        else:
            missing = [
                FIELDS[name].label
                for name, field in FIELDS.items()
                if field.part != "row" and not field.optional and name not in row.values
            ]
            if missing:
                self.outcome.add_problem(
                    row.number,
                    "",
                    f"{row.provider.name} has no return for {row.month:%B %Y}, and a new month needs every "
                    "figure of the return form. The file has no column for: " + ", ".join(missing) + ".",
                )
                return None
            change.update(action="create", changes=[])
        try:
            with transaction.atomic():
                if current is None:
                    saved = perinatal_services.monthly_return_submit(
                        provider=row.provider,
                        month=row.month,
                        by=self.by,
                        workforce=workforce,
                        perinatal=figures,
                        confirm_changes=True,
                        detect_signals=False,
                    )
                else:
                    saved = perinatal_services.monthly_return_update(
                        workforce_return=current,
                        by=self.by,
                        workforce=workforce,
                        perinatal=figures,
                        confirm_changes=True,
                        detect_signals=False,
                    )
        except ValidationError as error:
            self._add_refusal(row, error)
            return None
        # What the form would have asked the submitter to confirm, in its words.
        flagged = [saved.confirmed_changes, saved.perinatal.confirmed_changes]
        change["flags"] = [line for text in flagged for line in text.splitlines() if line]
        self.flags += len(change["flags"])
        if change["action"] == "create":
            self.outcome.created += 1
        else:
            self.outcome.updated += 1
        return change

    def _add_refusal(self, row: _Row, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.outcome.add_problem(row.number, "", message)
            return
        for name, errors in error.error_dict.items():
            column = self.heading_of.get(name, "") if name != NON_FIELD_ERRORS else ""
            label = FIELDS[name].label if name in FIELDS else ""
            for message in ValidationError(errors).messages:
                if name in FIELDS and name not in self.index_of:
                    message = f"{label}: {message}"
                self.outcome.add_problem(row.number, column, message)
