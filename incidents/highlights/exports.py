"""The LMNS's workbook of every plan's latest highlight report, from the rows its page shows
(``selectors.plan_reports``), so the page and the workbook cannot disagree."""

from openpyxl import Workbook

from lmns.exports import stamp
from lmns.spreadsheets import Column, write_table

# Within PRINT_WIDTH (155), so that the sheet prints at 9 pt or more on landscape A4.
REPORT_COLUMNS = [
    Column("Provider", 13),
    Column("Plan", 13),
    Column("Month", 9),
    Column("Report", 9),
    Column("Due / late", 10),
    Column("Overall status", 8),
    Column("Why at risk or off track", 13),
    Column("Progress this month", 16),
    Column("Successes", 13),
    Column("Risks and challenges", 13),
    Column("Support asked of the LMNS", 12),
    Column("Next month's steps", 12),
    Column("LMNS comment", 13),
]


def _due(row) -> str:
    if row.finished:
        return f"Nothing more due: closed {row.plan.closed_on:%-d %b %Y}"
    if row.due_on is None:
        return "Nothing due yet"
    due = f"{row.due_month:%b %Y} due {row.due_on.day} {row.due_on:%b %Y}"
    return f"LATE: {due}" if row.late else due


def reports_workbook(*, rows, generated_by) -> Workbook:
    generated = stamp(generated_by)
    workbook = generated.workbook()
    sheet = workbook.active
    sheet.title = "Highlight reports"
    table = []
    for row in rows:
        report = row.latest
        text = (
            [
                f"{report.month:%b %Y}",
                report.get_status_display(),
                _due(row),
                report.get_overall_status_display(),
                report.status_reason,
                report.progress,
                report.successes,
                report.risks,
                report.support_asked,
                report.next_steps,
                report.review_comment,
            ]
            if report
            else ["", "No report yet", _due(row), *[""] * 8]
        )
        table.append([row.plan.provider.name, row.plan.title, *text])
    write_table(
        sheet,
        cover=[
            "Highlight reports: each plan's latest",
            "A report is late when its month's report is not submitted by the LMNS's due day.",
            generated.line,
        ],
        columns=REPORT_COLUMNS,
        rows=table,
        empty="No improvement plans of a provider.",
    )
    return workbook
