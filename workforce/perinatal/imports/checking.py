"""Checking a file of monthly figures row by row with the return form's rules, and (when asked)
saving it.

Each row is one birth site and month: its perinatal figures are the site's, its workforce
figures the provider's, so every row of a provider's month must give the same workforce figures
(a row that differs is refused, naming the row it differs from). A provider with one birth site
may give its own ODS code instead of the site's. Its cells are read into figures here (numbers,
yes or no, dates, the month, the site); then a provider's month, all its sites' rows together,
goes through the very services the return form calls (``monthly_return_submit`` and
``monthly_return_update``), so that a part larger than its whole, a figure out of range or a
month not yet over is refused in the same words, and a jump beyond the usual is found by the
same rule. Months are taken in order for each provider, so that March in the file is compared
with February in the file. A check runs everything in a
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
from workforce.perinatal.services import NO_BIRTH_SITE

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
    unit: Unit
    month: date
    values: dict  # field name -> value, only the columns the file has

    def part(self, part: str) -> dict:
        return {name: value for name, value in self.values.items() if FIELDS[name].part == part}


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
    (models.SIGNAL_WINDOW_MONTHS); those ``known`` before it are not news. MOSS signals a site,
    so each note names it: ``opened`` comes from outcome_signals_detect, whose signals hold the
    site their CUSUM ran at, so naming it costs no query."""
    notes = [
        f"{provider.name}: the figures opened {'a red' if signal.level == 'red' else 'an amber'} LMNS "
        f"outcome signal at {signal.unit.name} for {signal.get_measure_display().lower()} "
        f"({signal.month:%B %Y}); its critical "
        f"safety check is due by {signal.check_due_on:%-d %B %Y}."
        for signal in opened
    ]
    past = perinatal_selectors.past_crossings(
        provider=provider, cusums=perinatal_selectors.provider_cusums(provider=provider), excluding=known
    )
    if past:
        notes.append(f"{provider.name}: {past.words} They are listed on its perinatal page.")
    return notes


def scope(*, record: MonthlyReturnImport, by) -> dict[str, tuple[Provider, Unit | None]]:
    """The providers whose rows ``by`` may import in this import, and their sites, by ODS code
    (upper case): (provider, None) for a provider's own code, (provider, site) for a site's.
    The providers are the import's provider, or, for an LMNS-wide import, every provider of its
    LMNS at which ``by`` may import."""
    providers = access.providers_where(by, ACTION).filter(lmns_id=record.lmns_id)
    if record.provider_id is not None:
        providers = providers.filter(pk=record.provider_id)
    providers = list(providers)
    codes = {provider.ods_code.upper(): (provider, None) for provider in providers}
    by_pk = {provider.pk: provider for provider in providers}
    for unit in Unit.objects.filter(provider__in=providers).order_by("name"):
        codes.setdefault(unit.ods_site_code.upper(), (by_pk[unit.provider_id], unit))
    return codes


def _only_birth_site(codes: dict, provider: Provider) -> list[Unit]:
    return [
        unit
        for owner, unit in codes.values()
        if owner == provider and unit is not None and unit.is_birth_site
    ]


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
            key = (row.unit.pk, row.month)
            if key in seen:
                self.outcome.add_problem(
                    number,
                    self.heading_of[MONTH],
                    f"{row.unit.name}, {row.month:%B %Y} is also in row {seen[key]}: "
                    "give each site's month once.",
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
        provider, unit = self.codes[code]
        if unit is None:
            # A provider's own code stands for its birth site only where it has just one.
            sites = _only_birth_site(self.codes, provider)
            if len(sites) != 1:
                problem = (
                    NO_BIRTH_SITE.format(provider=provider.name)
                    if not sites
                    else f"{provider.name} has {len(sites)} birth sites: give the ODS code of the site "
                    "these figures are for (" + ", ".join(f"{s.name} {s.ods_site_code}" for s in sites) + ")."
                )
                self.outcome.add_problem(number, self.heading_of[SITE], problem)
                return None
            unit = sites[0]
        elif not unit.is_birth_site:
            self.outcome.add_problem(
                number,
                self.heading_of[SITE],
                f"{unit.name} ({unit.ods_site_code}) is a neonatal unit: the figures are given for the "
                "sites where babies are born.",
            )
            return None
        return _Row(number, code, provider, unit, month, values)

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
        rows.sort(key=lambda row: (row.provider.name, row.month, row.number))
        existing = {
            (ret.provider_id, ret.month): ret
            for ret in WorkforceReturn.objects.filter(
                provider__in={row.provider.pk for row in rows}, month__in={row.month for row in rows}
            )
        }
        held = {
            (perinatal.workforce_return_id, perinatal.unit_id): perinatal
            for perinatal in PerinatalReturn.objects.filter(workforce_return__in=list(existing.values()))
        }
        months: dict[tuple, list[_Row]] = {}
        for row in rows:
            months.setdefault((row.provider, row.month), []).append(row)
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
                for (provider, month), group in months.items():
                    changes += self._check_month(group, existing.get((provider.pk, month)), held)
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

    def _disagreeing(self, group: list[_Row]) -> bool:
        """Refuse each row whose workforce figures differ from the first row of its provider's
        month: they are the provider's, one set a month, whichever site's row gives them."""
        first, found = group[0], False
        workforce = first.part("workforce")
        for row in group[1:]:
            for name, value in row.part("workforce").items():
                if value != workforce[name]:
                    found = True
                    self.outcome.add_problem(
                        row.number,
                        self.heading_of[name],
                        f"{_shown(value)} differs from row {first.number} ({_shown(workforce[name])}): the "
                        f"workforce figures are {row.provider.name}'s for the month, so give the same in "
                        "each of its sites' rows.",
                    )
        return found

    def _check_month(self, group: list[_Row], current: WorkforceReturn | None, held: dict) -> list[dict]:
        """Check (and save) one provider's month: every site's row of it, through one service call."""
        if self._disagreeing(group):
            return []
        first = group[0]
        workforce = first.part("workforce")
        changes = {
            row.number: {
                "row": row.number,
                "site": row.unit.ods_site_code,
                "provider": row.provider.name,
                "month": row.month.isoformat(),
                "month_label": f"{row.month:%B %Y}",
                "flags": [],
            }
            for row in group
        }
        if current is not None:
            changed_rows = 0
            for row in group:
                perinatal = held.get((current.pk, row.unit.pk))
                changed = [
                    f"{FIELDS[name].label}: {_shown(getattr(current, name))} → {_shown(value)}"
                    for name, value in (workforce.items() if row is first else ())
                    if getattr(current, name) != value
                ] + [
                    # The row names its site (the preview's site column), so the change need not.
                    f"{FIELDS[name].label}: {_shown(getattr(perinatal, name, None))} → {_shown(value)}"
                    for name, value in row.part("perinatal").items()
                    if perinatal is None or getattr(perinatal, name) != value
                ]
                changes[row.number].update(action="update", changes=changed)
                changed_rows += bool(changed)
            if not changed_rows:
                # The same file imported twice changes nothing, and is no problem.
                self.outcome.unchanged += len(group)
                return []
            if not self.record.update_existing:
                self.outcome.add_problem(
                    first.number,
                    self.heading_of[MONTH],
                    f"{first.provider.name} already has a return for {first.month:%B %Y}. Upload the file "
                    "again with “Update months that already have a return” ticked to change it.",
                )
                return []
        else:
            missing = [
                FIELDS[name].label
                for name, field in FIELDS.items()
                if field.part != "row" and not field.optional and name not in first.values
            ]
            if missing:
                self.outcome.add_problem(
                    first.number,
                    "",
                    f"{first.provider.name} has no return for {first.month:%B %Y}, and a new month needs "
                    "every figure of the return form. The file has no column for: "
                    + ", ".join(missing)
                    + ".",
                )
                return []
            for change in changes.values():
                change.update(action="create", changes=[])
        perinatal = {row.unit: row.part("perinatal") for row in group}
        try:
            with transaction.atomic():
                if current is None:
                    saved = perinatal_services.monthly_return_submit(
                        provider=first.provider,
                        month=first.month,
                        by=self.by,
                        workforce=workforce,
                        perinatal=perinatal,
                        confirm_changes=True,
                        detect_signals=False,
                    )
                else:
                    saved = perinatal_services.monthly_return_update(
                        workforce_return=current,
                        by=self.by,
                        workforce=workforce,
                        perinatal=perinatal,
                        confirm_changes=True,
                        detect_signals=False,
                    )
        except ValidationError as error:
            site = getattr(error, "unit", None)
            self._add_refusal(next((row for row in group if row.unit == site), first), error)
            return []
        # What the form would have asked the submitter to confirm, in its words: the provider's
        # on the month's first row, each site's on its own.
        site_flags = dict(
            PerinatalReturn.objects.filter(workforce_return=saved, unit__in=list(perinatal)).values_list(
                "unit", "confirmed_changes"
            )
        )
        for row in group:
            flagged = [saved.confirmed_changes if row is first else "", site_flags.get(row.unit.pk, "")]
            changes[row.number]["flags"] = [line for text in flagged for line in text.splitlines() if line]
            self.flags += len(changes[row.number]["flags"])
            if current is None:
                self.outcome.created += 1
            else:
                self.outcome.updated += 1
        return list(changes.values())

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
