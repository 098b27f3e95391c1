"""A maturity round as a workbook for the board: each domain's level beside the previous round's,
with the change, the note and the descriptor of the level chosen (selectors.round_comparison, the
page's figures). The cover says plainly when the model is unpublished or its wording unchecked."""

from openpyxl import Workbook

from assurance.maturity import selectors
from assurance.maturity.models import MaturityRound
from lmns.exports import long_datetime, stamp
from lmns.spreadsheets import Column, write_table

# Under PRINT_WIDTH (155 characters) across, so that the sheet fitted to A4 landscape prints at 9 pt
# or more.
COLUMNS = [
    Column("Domain", 22),
    Column("Level now", 18),
    Column("Previous level", 18),
    Column("Change", 12),
    Column("Descriptor of the level now", 40),
    Column("Note and evidence", 40),
]


def wording_lines(round_: MaturityRound) -> list[str]:
    model = round_.model
    lines = []
    if not model.wording_checked:
        lines.append(
            f"The wording of {model} has NOT been checked against its source: its domains, levels and "
            "descriptors are a draft."
        )
    if model.status != "published":
        lines.append(f"{model} is {model.get_status_display().lower()}, not a published model.")
    return lines


def _level(level) -> str:
    return f"{level.number}. {level.name}" if level else "Not scored"


def round_workbook(*, round_: MaturityRound, generated_by) -> Workbook:
    generated = stamp(generated_by)
    comparison = selectors.round_comparison(round_)
    previous = comparison.previous
    position = (
        f"Submitted on {long_datetime(round_.submitted_at)}"
        if round_.submitted_at
        else "In progress, not submitted"
    )
    cover = [
        f"{round_.model}: {round_.organisation_name}, round of {round_.assessed_on:%-d %B %Y}",
        generated.line,
        f"{position}. Mean level {comparison.mean if comparison.mean is not None else 'not scored'}"
        + (
            f"; previous round {previous.assessed_on:%-d %B %Y}, mean level {comparison.previous_mean} "
            f"({comparison.overall_label.lower()}: {comparison.ups} up, {comparison.downs} down, "
            f"{comparison.sames} the same)."
            if previous
            else "; no earlier submitted round to compare with."
        ),
        *wording_lines(round_),
    ]
    workbook = generated.workbook()
    sheet = workbook.active
    sheet.title = "Round"
    write_table(
        sheet,
        cover=cover,
        columns=COLUMNS,
        rows=[
            [
                row.score.domain.name,
                _level(row.score.level),
                _level(row.previous_level) if previous else "No earlier round",
                row.change_label,
                row.descriptor,
                row.score.note,
            ]
            for row in comparison.rows
        ],
    )
    return workbook


def round_filename(round_: MaturityRound) -> str:
    who = round_.provider.ods_code if round_.provider else round_.lmns.code
    return f"maturity-{round_.model.slug}-{who}-{round_.assessed_on:%Y-%m-%d}.xlsx"
