"""What checking a file found: counts, and every problem by row and column, capped so that a
file with a mistake in every row does not fill the database."""

from dataclasses import dataclass, field

MAX_PROBLEMS = 1000


@dataclass
class Problem:
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Outcome:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    # Text that looks like personal data: applying needs the importer to say they checked it.
    warnings: list[Problem] = field(default_factory=list)
    warning_count: int = 0
    notes: list[str] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)

    def add_problem(self, row, column, message) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, message))

    def add_warning(self, row, column, message) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_PROBLEMS:
            self.warnings.append(Problem(row, column, message))
