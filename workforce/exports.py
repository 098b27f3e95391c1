"""The quarterly Freedom to Speak Up return as a workbook, laid out as workforce/ftsu_return.yaml
says. Counts only: no summary, no contact details, no reference."""

from openpyxl import Workbook

from lmns.exports import stamp
from lmns.spreadsheets import Column, write_table
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
        columns=[Column(heading, 30 if index < 2 else 14) for index, heading in enumerate(layout.headings)],
        rows=layout.table(rows),
        empty="No cases that you can see were received in this quarter.",
    )
    groups = return_groups(user=generated_by, rows=rows)
    write_table(
        workbook.create_sheet("Professional groups"),
        cover=["Cases by professional group", quarter.label],
        columns=[
            Column("Organisation", 30),
            Column("Received by", 30),
            *(Column(group.label, 14) for group in groups),
        ],
        rows=[[row.organisation, row.received_by, *row.counts_by_group(groups)] for row in rows],
        empty="No cases that you can see were received in this quarter.",
    )
    return workbook
