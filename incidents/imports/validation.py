"""Checking an export row by row against the incident form's rules, and (when asked)
writing it.

One pass streams the rows in batches: each batch's existing incidents are fetched in
one query, each row becomes an unsaved Incident that goes through ``full_clean`` (so
``Incident.clean()`` and the field rules are the form's), and, when writing, the batch
is saved with one bulk insert and one bulk update. Nothing here commits: the caller
wraps a write in a transaction and rolls it back if any row had a problem.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from incidents.imports.mapping import REQUIRED, Field, import_fields, known_fields, normalise_heading
from incidents.models import Incident, IncidentReferral, IncidentStatus, IncidentType, referral_date_problem
from lmns import dates, pid
from lmns.imports.outcome import MAX_PROBLEMS, Outcome, Problem  # noqa: F401
from lmns.imports.parsing import MAX_COLUMNS, Formula, Sheet
from lmns.models import Provider, Unit

BATCH = 500
MAX_CHANGES = 200
# Fields set by the import itself or the workflow, never from a cell.
_NOT_FROM_CELLS = ["provider", "unit", "incident_type", "created_by", "source_import", "status"]
_DATE_FORMATS = [
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d %B %Y",
]
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
# What a spreadsheet would run as a formula if the text were exported again (CSV injection).
_FORMULA_START = re.compile(r"^[=@]|^[+\-][^\d\s.]")


class CellProblem(Exception):
    pass


@dataclass
class _Row:
    number: int
    reference: str
    values: dict
    # Per referral body whose columns are mapped: {"referred_on": …, "reference": …}, as given.
    referrals: dict = field(default_factory=dict)


class Checker:
    """Checks (and with ``write``, saves) one sheet for one provider with one mapping."""

    def __init__(
        self, *, provider: Provider, mapping: dict, write: bool = False, by=None, source_import=None
    ):
        self.provider = provider
        self.write = write
        self.by = by
        self.source_import = source_import
        self.outcome = Outcome()
        self.today = timezone.localdate()
        self.fields = import_fields(provider.lmns)
        retired = known_fields(provider.lmns).keys() - self.fields.keys()
        self.heading_of: dict[str, str] = {}
        self.index_of: dict[str, int] = {}
        self.labels = {
            name: {str(label).casefold(): value for label, value in labels.items()}
            for name, labels in (mapping.get("values") or {}).items()
        }
        self.column_field = {
            normalise_heading(heading): name
            for heading, name in mapping["columns"].items()
            if name in self.fields
        }
        self.mapped_heading = {}
        for heading, name in mapping["columns"].items():
            if name in self.fields:
                self.mapped_heading.setdefault(name, heading)
        if passed := [heading for heading, name in mapping["columns"].items() if name in retired]:
            self.outcome.notes.append(
                "Columns of a referral body no longer in use, so not imported: " + ", ".join(passed) + "."
            )
        # Reference data as the form offers it: active incident types, this provider's units.
        self.types = {
            incident_type.name.casefold(): incident_type
            for incident_type in IncidentType.objects.available_to(provider.lmns).active()
        }
        self.units = {}
        for unit in Unit.objects.filter(provider=provider):
            unit.provider = provider
            self.units[unit.name.casefold()] = unit
            self.units[unit.ods_site_code.casefold()] = unit
        self.seen: dict[str, int] = {}

    # --- the whole sheet --------------------------------------------------------------

    def run(self, sheet: Sheet, progress: Callable[[float], None] | None = None) -> Outcome:
        self.outcome.notes.extend(sheet.notes)
        try:
            return self._run(sheet, progress)
        finally:
            # Stopping early (bad headings) must still release the file while it is open.
            sheet.rows.close()

    def _run(self, sheet: Sheet, progress) -> Outcome:
        rows = sheet.rows
        header = next(rows, None)
        if header is None:
            self.outcome.add_problem(
                None, "", "The file has no rows: it should start with a row of column headings."
            )
            return self.outcome
        if not self._read_header(*header):
            return self.outcome
        batch: list[_Row] = []
        for number, cells in rows:
            if not any(_filled(cell) for cell in cells):
                continue
            self.outcome.rows += 1
            row = self._read_row(number, cells)
            if row is not None:
                batch.append(row)
            if len(batch) >= BATCH:
                self._check_batch(batch)
                batch = []
                if progress:
                    progress(sheet.fraction(number))
        self._check_batch(batch)
        if self.outcome.rows == 0:
            self.outcome.add_problem(None, "", "The file has column headings but no incidents under them.")
        return self.outcome

    def _read_header(self, number: int, cells: tuple) -> bool:
        if not any(_filled(cell) for cell in cells):
            self.outcome.add_problem(number, "", "The first row is empty: it must hold the column headings.")
            return False
        if len(cells) > MAX_COLUMNS:
            self.outcome.add_problem(number, "", f"The file has more than {MAX_COLUMNS} columns.")
            return False
        headings = {}
        for index, cell in enumerate(cells):
            if not _filled(cell):
                continue
            if isinstance(cell, Formula):
                self.outcome.add_problem(number, _column_letter(index), "A column heading is a formula.")
                continue
            key = normalise_heading(cell)
            if key in headings:
                self.outcome.add_problem(number, str(cell), "This heading appears twice.")
            headings[key] = (index, " ".join(str(cell).split()))
        ignored = []
        for key, (index, heading) in headings.items():
            name = self.column_field.get(key)
            if name is None:
                ignored.append(heading)
            elif name in self.index_of:
                self.outcome.add_problem(
                    number,
                    heading,
                    f"Both “{self.heading_of[name]}” and “{heading}” map to {self.fields[name].label}.",
                )
            else:
                self.index_of[name], self.heading_of[name] = index, heading
        for name in REQUIRED:
            if name not in self.index_of:
                heading = self.mapped_heading[name]
                self.outcome.add_problem(
                    number,
                    heading,
                    f"The column “{heading}” ({self.fields[name].label}) is missing. "
                    "Check the file's headings or choose another mapping.",
                )
        if ignored:
            self.outcome.notes.append(
                "Columns not in the mapping, so not imported: " + ", ".join(ignored) + "."
            )
        if absent := [heading for name, heading in self.mapped_heading.items() if name not in self.index_of]:
            self.outcome.notes.append(
                "Mapped columns not in the file, left as they are: " + ", ".join(absent) + "."
            )
        return self.outcome.problem_count == 0

    # --- one row ------------------------------------------------------------------------

    def _read_row(self, number: int, cells: tuple) -> _Row | None:
        values, problems = {}, 0
        for name, index in self.index_of.items():
            raw = cells[index] if index < len(cells) else None
            try:
                values[name] = self._convert(self.fields[name], raw)
            except CellProblem as problem:
                self.outcome.add_problem(number, self.heading_of[name], str(problem))
                problems += 1
            else:
                problems += self._guard(number, name, values[name])
        mapped = set(self.index_of.values())
        for index, cell in enumerate(cells):
            if isinstance(cell, Formula) and index not in mapped:
                self.outcome.add_problem(
                    number, _column_letter(index), "This cell is a formula; formulas are refused."
                )
                problems += 1
        reference = values.get("local_reference") or ""
        if reference:
            key = reference.casefold()
            if key in self.seen:
                self.outcome.add_problem(
                    number,
                    self.heading_of["local_reference"],
                    f"Reference {reference} is also on row {self.seen[key]}.",
                )
                problems += 1
            else:
                self.seen[key] = number
        if problems:
            return None
        values.pop("provider", None)
        referrals = {}
        for name in list(values):
            if (body := self.fields[name].body) is not None:
                part = "referred_on" if name == body.date_field else "reference"
                referrals.setdefault(body, {})[part] = values.pop(name)
        return _Row(number, reference, values, referrals)

    def _guard(self, number: int, name: str, value) -> int:
        """Refuses the row if a text cell holds an NHS number, and warns about other text that
        looks like personal data (hazard H9, as on the incident form). Returns the problems."""
        if self.fields[name].kind != "text" or not value:
            return 0
        matches = pid.find_identifiers(value)
        if refused := [match for match in matches if match.refused]:
            self.outcome.add_problem(
                number,
                self.heading_of[name],
                f"This has what looks like {pid.describe(refused)}. Remove it: nothing that could "
                "identify a patient may be imported.",
            )
            return 1
        if matches:
            self.outcome.add_warning(
                number,
                self.heading_of[name],
                f"This has what looks like {pid.describe(matches)}. Check it identifies nobody.",
            )
        return 0

    def _convert(self, definition: Field, raw):
        if isinstance(raw, Formula):
            raise CellProblem("This cell is a formula; formulas are refused. Paste the values instead.")
        if isinstance(raw, str):
            raw = raw.strip()
            if _FORMULA_START.match(raw):
                raise CellProblem(
                    f"The text starts with “{raw[0]}”, which a spreadsheet would run as a formula. "
                    "Remove that character."
                )
        empty = not _filled(raw)
        if empty and definition.required:
            raise CellProblem(f"Enter the {definition.label.lower()}.")
        return getattr(self, f"_{definition.kind}")(definition, None if empty else raw)

    def _text(self, definition, raw):
        if raw is None:
            return ""
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, datetime | date):
            raise CellProblem("Enter text here, not a date.")
        return str(raw).strip()

    def _date(self, definition, raw):
        if raw is None:
            return None
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            text = _TIME_SUFFIX.sub("", raw)
            for date_format in _DATE_FORMATS:
                try:
                    return datetime.strptime(text, date_format).date()
                except ValueError:
                    continue
        shown = str(raw)[:40]
        raise CellProblem(f"“{shown}” is not a date. Use a date such as 31/01/2026 or 2026-01-31.")

    def _relabelled(self, name: str, raw) -> str:
        """The cell as our value: what the mapping's value labels say their label means, else
        the cell itself. Every coded column (a choice, the incident type, the unit, the
        provider) reads its cells through this, so a label saved in a mapping is never ignored."""
        text = str(raw).strip()
        return self.labels.get(name, {}).get(text.casefold(), text)

    def _choice(self, definition, raw):
        if raw is None:
            return Incident._meta.get_field(definition.name).get_default()
        key = self._relabelled(definition.name, raw).casefold()
        for value, label in definition.choices.choices:
            if key in {value, str(label).casefold()}:
                return value
        raise CellProblem(
            f"“{str(raw)[:60]}” is not a known {definition.label.lower()}. Use one of: "
            + ", ".join(str(label) for _, label in definition.choices.choices)
            + "; or add it to the mapping's value labels."
        )

    def _incident_type(self, definition, raw):
        name = self._relabelled("incident_type", raw)
        incident_type = self.types.get(name.casefold())
        if incident_type is None:
            raise CellProblem(
                f"“{name[:80]}” is not an incident type in use. Use the name of an active incident type, "
                "or add it to the mapping's value labels."
            )
        return incident_type

    def _unit(self, definition, raw):
        if raw is None:
            return None
        name = self._relabelled("unit", raw)
        unit = self.units.get(name.casefold())
        if unit is None:
            raise CellProblem(
                f"“{name[:80]}” is not a unit of {self.provider.name} (by site name or ODS code). "
                "Use the unit's name or site code, or add it to the mapping's value labels."
            )
        return unit

    def _provider(self, definition, raw):
        code = "" if raw is None else self._relabelled("provider", raw)
        if code.casefold() != self.provider.ods_code.casefold():
            shown = f"“{code[:20]}”" if code else "An empty code"
            raise CellProblem(
                f"{shown} is not {self.provider.name}'s ODS code ({self.provider.ods_code}): "
                "only this provider's incidents can be imported here."
            )
        return code

    # --- a batch of rows ------------------------------------------------------------------

    def _check_batch(self, batch: list[_Row]) -> None:
        if not batch:
            return
        existing = {
            incident.reference_key: incident
            for incident in Incident.objects.filter(provider=self.provider)
            .annotate(reference_key=Lower("local_reference"))
            .filter(reference_key__in=[row.reference.lower() for row in batch])
            .select_related("unit", "incident_type")
            .prefetch_related("referrals")
        }
        creates, updates, changed_fields = [], [], set()
        self.referral_writes = []
        for row in batch:
            incident = existing.get(row.reference.lower())
            if incident is None:
                incident = Incident(provider=self.provider, created_by=self.by, **row.values)
                writes = self._referral_writes(row, incident, {})
                if self._clean(row, incident, writes):
                    creates.append(incident)
                    self.referral_writes.extend(writes)
                    self._record_change(row, incident, "create", [])
                continue
            # The reference matched (ignoring case, as the form does); it is not rewritten.
            changes = [
                name
                for name, value in row.values.items()
                if name != "local_reference" and _differs(incident, name, value)
            ]
            held = {referral.body_id: referral for referral in incident.referrals.all()}
            writes = self._referral_writes(row, incident, held)
            if not changes and not writes:
                self.outcome.unchanged += 1
                continue
            if incident.status == IncidentStatus.CLOSED:
                self.outcome.add_problem(
                    row.number,
                    self.heading_of["local_reference"],
                    f"Incident {incident.local_reference} is closed. "
                    "Reopen it for review before importing changes.",
                )
                continue
            for name in changes:
                setattr(incident, name, row.values[name])
            if self._clean(row, incident, writes, held=held):
                updates.append(incident)
                changed_fields.update(changes)
                self.referral_writes.extend(writes)
                labels = [self.fields[name].label for name in changes]
                self._record_change(
                    row, incident, "update", labels + [f"{w[1].label} referral" for w in writes]
                )
        self.outcome.created += len(creates)
        self.outcome.updated += len(updates)
        if self.write and self.outcome.problem_count == 0:
            self._save(creates, updates, changed_fields)

    def _referral_writes(self, row: _Row, incident: Incident, held: dict) -> list[tuple]:
        """(incident, body, referral or None, referred_on, reference) for each body whose
        referral the row changes; a column not mapped keeps what the incident holds."""
        writes = []
        for body, given in row.referrals.items():
            current = held.get(body.pk)
            referred_on = given.get("referred_on", current.referred_on if current else None)
            reference = given.get("reference", current.reference if current else "")
            if current is None and referred_on is None and not reference:
                continue
            if current is not None and (current.referred_on, current.reference) == (referred_on, reference):
                continue
            writes.append((incident, body, current, referred_on, reference))
        return writes

    def _referral_errors(self, incident: Incident, writes: list[tuple], held: dict) -> dict:
        errors = {}
        # Every referral the incident will hold must still follow the date it occurred.
        changed = {body.pk for _, body, *_ in writes}
        checks = [(body, on, ref) for _, body, _, on, ref in writes]
        checks += [(r.body, r.referred_on, r.reference) for r in held.values() if r.body_id not in changed]
        for body, referred_on, reference in checks:
            if reference and referred_on is None:
                problem = f"Enter the date of the {body.label} referral, or remove its reference."
            else:
                problem = referral_date_problem(
                    referred_on, occurred_on=incident.occurred_on, today=self.today
                )
                problem = problem and problem.format(body=body.label)
            if (
                not problem
                and referred_on is not None
                and (implausible := dates.implausible(referred_on, today=self.today))
            ):
                problem = f"Referred to {body.label} on {implausible}."
            if problem:
                errors[body.date_field] = [problem]
        return errors

    def _clean(self, row: _Row, incident: Incident, writes=(), *, held=None) -> bool:
        errors = {}
        try:
            incident.full_clean(exclude=_NOT_FROM_CELLS, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.message_dict
        for name, messages in self._referral_errors(incident, list(writes), held or {}).items():
            errors.setdefault(name, messages)
        # After the model's rules, so that "cannot be in the future" is what a row is told first.
        for name, value in row.values.items():
            problem = dates.implausible(value, today=self.today) if isinstance(value, date) else ""
            if problem and name not in errors:
                errors[name] = [f"{self.fields[name].label} {problem}."]
        for name, messages in errors.items():
            for message in messages:
                self.outcome.add_problem(row.number, self._column_for(name), message)
        return not errors

    def _column_for(self, name: str) -> str:
        if name == NON_FIELD_ERRORS:
            return ""
        if name in self.heading_of:
            return self.heading_of[name]
        if name in self.fields:
            return self.fields[name].label
        return str(Incident._meta.get_field(name).verbose_name).capitalize()

    def _record_change(self, row: _Row, incident: Incident, action: str, changes: list[str]) -> None:
        """What the preview lists for a row: the change, and the incident's type, harm and unit
        as they will be, so that a label mapped wrongly shows before anything is applied."""
        if len(self.outcome.changes) < MAX_CHANGES:
            self.outcome.changes.append(
                {
                    "row": row.number,
                    "reference": row.reference,
                    "action": action,
                    "changes": changes,
                    "incident_type": incident.incident_type.name,
                    "physical_harm": incident.get_physical_harm_display(),
                    "psychological_harm": incident.get_psychological_harm_display(),
                    "unit": incident.unit.name if incident.unit else "",
                }
            )

    def _save(self, creates, updates, changed_fields) -> None:
        now = timezone.now()
        # The audit trail records each imported row as changed by the person who imported it.
        history = {
            "default_user": self.source_import.requested_by,
            "default_change_reason": f"Imported from {self.source_import.original_name}",
        }
        for incident in creates:
            incident.source_import = self.source_import
        bulk_create_with_history(creates, Incident, **history)
        for incident in updates:
            incident.updated_at, incident.source_import = now, self.source_import
        if updates:
            bulk_update_with_history(
                updates, Incident, [*sorted(changed_fields), "updated_at", "source_import"], **history
            )
        self._save_referrals(history)

    def _save_referrals(self, history) -> None:
        new, changed = [], []
        for incident, body, current, referred_on, reference in self.referral_writes:
            if current is None:
                new.append(
                    IncidentReferral(
                        incident=incident, body=body, referred_on=referred_on, reference=reference
                    )
                )
            elif referred_on is None:
                current._change_reason = history["default_change_reason"]
                current._history_user = history["default_user"]
                current.delete()
            else:
                current.referred_on, current.reference = referred_on, reference
                changed.append(current)
        if new:
            bulk_create_with_history(new, IncidentReferral, **history)
        if changed:
            bulk_update_with_history(changed, IncidentReferral, ["referred_on", "reference"], **history)


def _filled(cell) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _differs(incident: Incident, name: str, new) -> bool:
    if name in {"unit", "incident_type"}:
        # Compare keys: reading the related object would cost a query per row.
        return getattr(incident, f"{name}_id") != (new.pk if new is not None else None)
    return getattr(incident, name) != new


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"Column {get_column_letter(index + 1)}"
