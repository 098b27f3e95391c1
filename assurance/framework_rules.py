"""The rules a framework's actions and requirements must meet, whichever file they come from.

The YAML loader (assurance.frameworks) and the spreadsheet upload (assurance.framework_workbook)
both check what they read here, so a framework a data file may hold is exactly one a workbook may
hold. Each value carries where it was read (``Where``): "file:line" for YAML, "Sheet X, row N" for
a workbook, and every reason is given with it.
"""

import re
from dataclasses import dataclass
from datetime import date

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The model's lengths: a value longer than these could not be saved.
ACTION_CODE_LENGTH = 20
REQUIREMENT_CODE_LENGTH = 30
TITLE_LENGTH = 300
THRESHOLD_LENGTH = 100


@dataclass(frozen=True)
class Where:
    source: str  # a file's path, or a sheet's name
    line: int
    sheet: bool = False

    def __str__(self):
        return f"Sheet {self.source}, row {self.line}" if self.sheet else f"{self.source}:{self.line}"

    @property
    def at(self) -> str:
        """Where, within the same file: "line 7" or "row 7"."""
        return f"{'row' if self.sheet else 'line'} {self.line}"


class RuleError(ValueError):
    """A value that breaks a rule; the message is the reason, without where."""


def text(value: str, what: str, max_length: int | None = None, *, blank: bool = False) -> str:
    value = value.strip()
    if not value and not blank:
        raise RuleError(f"{what} must not be empty")
    if max_length and len(value) > max_length:
        raise RuleError(f"{what} is {len(value)} characters long; the most allowed is {max_length}")
    return value


def code(value: str, what: str, max_length: int) -> str:
    value = text(value, what, max_length)
    if not CODE_RE.match(value):
        raise RuleError(f"{what} '{value}' may contain only letters, digits, dots, - and _")
    return value


def boolean(value: str, what: str) -> bool:
    value = value.strip().lower()
    if value not in {"true", "false", "yes", "no"}:
        raise RuleError(f"{what} must be true or false, not '{value}'")
    return value in {"true", "yes"}


def iso_date(value: str, what: str, *, blank: bool = False) -> date | None:
    value = text(value, what, blank=blank)
    if not value:
        return None
    try:
        if not DATE_RE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise RuleError(f"{what} '{value}' is not a date written YYYY-MM-DD") from None


def structure_errors(actions) -> list[tuple[Where, str]]:
    """Codes used twice and actions without requirements, in the order they are read.

    ``actions`` are ActionData (assurance.frameworks): each with ``where`` (its code),
    ``requirements_where`` and requirements each with ``where``.
    """
    errors = []
    action_seen, requirement_seen = {}, {}
    for action in actions:
        if action.code in action_seen:
            first = action_seen[action.code]
            errors.append((action.where, f"duplicate action code '{action.code}' (first on {first.at})"))
        else:
            action_seen[action.code] = action.where
        # A duplicate's requirements, in a workbook, are given to the first action of its code.
        if not action.requirements and action.where == action_seen[action.code]:
            errors.append(
                (
                    action.requirements_where,
                    f"action {action.code} has no requirements; it needs at least one",
                )
            )
        for requirement in action.requirements:
            if requirement.code in requirement_seen:
                first = requirement_seen[requirement.code]
                errors.append(
                    (
                        requirement.where,
                        f"duplicate requirement code '{requirement.code}' (first on {first.at})",
                    )
                )
            else:
                requirement_seen[requirement.code] = requirement.where
    return errors


def replaces_errors(actions, *, earlier: set[str], previous: str | None) -> list[tuple[Where, str]]:
    """Each requirement that names, as the one it replaces, a code the previous version lacks."""
    return [
        (
            requirement.where,
            f"requirement {requirement.code} replaces '{requirement.replaces}', which is not a requirement "
            f"of the previous version {previous or '(none named)'}",
        )
        for action in actions
        for requirement in action.requirements
        if requirement.replaces and requirement.replaces not in earlier
    ]
