"""The quarterly Freedom to Speak Up return as a workbook, laid out as workforce/ftsu_return.yaml
says. Counts only: no summary, no contact details, no reference."""

from openpyxl import Workbook

from lmns.exports import stamp
from lmns.spreadsheets import PRINT_WIDTH, Column, write_table
from workforce.selectors import return_groups, return_layout


def ftsu_return_workbook(*, quarter, rows, generated_by) -> Workbook:
    """``rows`` come from selectors.ftsu_return, already limited to what ``generated_by`` may read."""
    layout = return_layout()
    generated = stamp(generated_by)
    workbook = generated.workbook()
    cases = workbook.active
    cases.title = "Cases"
    cover = [
        f"Freedom to Speak Up: quarterly return to {layout.collection}",
        f"{quarter.label}, by date received",
        generated.line,
        "Counts only. A case can have several elements. Exact figures: do not publish counts of 1 to 4.",
        f"Layout: {layout.source}",
    ]
    write_table(
        cases,
        cover=cover,
        columns=[
            Column(heading, _width(index, len(layout.headings)))
            for index, heading in enumerate(layout.headings)
        ],
        rows=layout.table(rows),
        empty="No cases that you can see were received in this quarter.",
    )
    # A row per group, not a column: thirteen groups or more side by side printed at 6 pt, and a
    # local list can add more.
    groups = return_groups(user=generated_by, rows=rows)
    write_table(
        workbook.create_sheet("Professional groups"),
        cover=["Cases by professional group", quarter.label],
        columns=[
            Column("Organisation", 40),
            Column("Received by", 40),
            Column("Professional group", 40),
            Column("Cases", 14),
        ],
        rows=[
            [row.organisation, row.received_by, group.label, count]
            for row in rows
            for group, count in zip(groups, row.counts_by_group(groups), strict=True)
        ],
        empty="No cases that you can see were received in this quarter.",
    )
    return workbook


# The organisation and the route are named in full; the counts share what the page has left.
NAME_WIDTHS = (20, 18)


def _width(index: int, columns: int) -> int:
    if index < len(NAME_WIDTHS):
        return NAME_WIDTHS[index]
    return max(8, min(14, (PRINT_WIDTH - sum(NAME_WIDTHS)) // max(1, columns - len(NAME_WIDTHS))))
