"""Visit workbooks: the report (draft or an issued version) and the pre-visit pack.

Both are built from the same data the pages show (``report_view`` and ``previsit_pack``),
so a printed page and its workbook cannot disagree.
"""

from openpyxl import Workbook

from lmns.exports import long_datetime, person, stamp
from lmns.notifications import long_date
from lmns.spreadsheets import Column, write_table

REPORT_FINDING_COLUMNS = [
    Column("No.", 6),
    Column("Section", 16),
    Column("Kind", 22),
    Column("Unit", 24),
    Column("Finding", 70),
]
GOOD_PRACTICE_COLUMNS = [
    Column("No.", 6),
    Column("Section", 16),
    Column("Unit", 24),
    Column("Good practice", 80),
]
RECOMMENDATION_COLUMNS = [
    Column("No.", 6),
    Column("Finding", 8),
    Column("Recommendation", 70),
    Column("Owner", 24),
    Column("Due date", 13),
]
FEEDBACK_COLUMNS = [Column("Section", 16), Column("What staff told us", 90)]
SCOPE_COLUMNS = [Column("Section", 16), Column("Key line of enquiry", 90)]


def _report_heading(view, *, version, issued_at) -> list[str]:
    content = view.content
    provider = content["provider"]
    status = (
        f"Version {version}, issued {long_datetime(issued_at)}"
        if version
        else "DRAFT: not yet issued; it may change"
    )
    return [
        f"LMNS assurance visit report: {provider['name']} ({provider['ods_code']})",
        f"{content['visit_type']} visit on {long_date(view.visit_on)}. {status}",
    ]


def report_workbook(*, view, version: int | None, issued_at=None, generated_by) -> Workbook:
    """The report as a workbook: summary first, then findings, good practice,
    recommendations with owners and dates, what staff told us, and the scope."""
    content = view.content
    heading = _report_heading(view, version=version, issued_at=issued_at)
    generated = stamp(generated_by)
    workbook = generated.workbook()
    summary = workbook.active
    summary.title = "Summary"
    rows = [
        ["Units visited", ", ".join(content["units"]) or "The whole service"],
        ["Visit team", "\n".join(f"{m['name']}, {m['role']}" for m in content["team"]) or "Not recorded"],
        ["Visit template", content.get("template", "CQC five key questions (before templates)")],
        ["Purpose", content["purpose"] or "Not recorded"],
        ["Summary", content["summary"] or "Not yet written"],
        [
            "Immediate safety concerns",
            "\n".join(f"{f['number']}: {f['description']}" for f in view.immediate) or "None",
        ],
        ["Findings", str(len(content["findings"]))],
        ["Good practice", str(len(view.good_practice))],
        ["Recommendations", str(len(view.recommendations))],
    ]
    cover = [*heading, generated.line]
    write_table(summary, cover=cover, columns=[Column("", 26), Column("", 90)], rows=rows)
    sheets = [
        (
            "Findings",
            "No findings recorded.",
            REPORT_FINDING_COLUMNS,
            [
                [f["number"], view.labels[f["domain"]], f["kind_label"], f["unit"], f["description"]]
                for section in view.domains
                for f in section.findings
            ],
        ),
        (
            "Good practice",
            "No good practice recorded.",
            GOOD_PRACTICE_COLUMNS,
            [
                [f["number"], view.labels[f["domain"]], f["unit"], f["description"]]
                for f in view.good_practice
            ],
        ),
        (
            "Recommendations",
            "No recommendations.",
            RECOMMENDATION_COLUMNS,
            [[r["number"], r["finding"], r["text"], r["owner"], r["due_on"]] for r in view.recommendations],
        ),
        (
            "Staff feedback",
            "No staff feedback recorded.",
            FEEDBACK_COLUMNS,
            [[section.label, text] for section in view.domains for text in section.feedback],
        ),
        (
            "Scope",
            "No key lines of enquiry recorded.",
            SCOPE_COLUMNS,
            [[section.label, text] for section in view.domains for text in section.lines],
        ),
    ]
    # An empty part says so rather than printing a page of headings alone (issue #22).
    for title, empty, columns, table in sheets:
        write_table(
            workbook.create_sheet(title), cover=[heading[0], title], columns=columns, rows=table, empty=empty
        )
    return workbook


INCIDENT_COUNT_WIDTH = 12
ACTION_COLUMNS = [
    Column("Safety action", 70),
    Column("Owner", 24),
    Column("Due date", 13),
    Column("Overdue", 9),
]
COMPLIANCE_COLUMNS = [
    Column("Framework", 50),
    Column("Actions", 10),
    Column("Met (self-assessed)", 14),
    Column("Met (LMNS-verified)", 14),
]
OPEN_RECOMMENDATION_COLUMNS = [
    Column("Visit", 13),
    Column("Recommendation", 70),
    Column("Owner", 24),
    Column("Status", 20),
    Column("Due date", 13),
    Column("Overdue", 9),
]


def previsit_pack_workbook(*, pack, visit, generated_by) -> Workbook:
    provider = pack.provider
    heading = f"Pre-visit pack: {provider.name} ({provider.ods_code}), visit on {long_date(visit.visit_on)}"
    period = f"Incidents that occurred from {long_date(pack.since)} to {long_date(pack.today)}"
    generated = stamp(generated_by)
    workbook = generated.workbook()
    summary = workbook.active
    summary.title = "Summary"
    write_table(
        summary,
        cover=[heading, generated.line],
        columns=[Column("Measure", 50), Column("Count", 12)],
        rows=[
            ["Incidents reported in the last 12 months", pack.incident_total],
            ["of which moderate or worse harm, physical or psychological", pack.moderate_or_worse],
            ["Referred to MNSI", pack.mnsi_referrals],
            ["Notified to PMRT", pack.pmrt_notifications],
            ["Patient safety incident investigations open", pack.open_psiis],
            ["Learning shared across the LMNS", pack.learning_shared],
            ["Safety actions open", len(pack.open_actions)],
            ["Safety actions overdue", pack.overdue_actions],
            ["Recommendations open from earlier visits", len(pack.open_recommendations)],
            ["Recommendations overdue from earlier visits", pack.overdue_recommendations],
        ],
    )
    write_table(
        workbook.create_sheet("Incidents by type"),
        cover=[heading, period],
        columns=[
            Column("Incident type", 40),
            *(Column(label, INCIDENT_COUNT_WIDTH) for label in pack.harm_labels),
            Column("Total", 10),
        ],
        rows=[[name, *cells, total] for name, cells, total in pack.incidents_by_type],
    )
    write_table(
        workbook.create_sheet("Open safety actions"),
        cover=[heading, "Safety actions not yet completed"],
        columns=ACTION_COLUMNS,
        empty="No safety actions are open.",
        rows=[
            [
                action.description,
                person(action.owner),
                action.due_on,
                "Yes" if action.due_on < pack.today else "",
            ]
            for action in pack.open_actions
        ],
    )
    write_table(
        workbook.create_sheet("Compliance"),
        cover=[heading, "Actions met on each framework the provider has assessed"],
        columns=COMPLIANCE_COLUMNS,
        empty="The provider has not assessed itself against any framework.",
        rows=[[str(p.framework), p.actions, p.met, p.verified] for p in pack.compliance],
    )
    write_table(
        workbook.create_sheet("Workforce"),
        cover=[heading, "The latest figure of each measure from the monthly workforce returns"],
        columns=[Column("Measure", 50), Column("Latest", 20), Column("Month", 12), Column("Trend", 60)],
        rows=[
            [figure.measure.label, figure.formatted if figure.month else "No return",
             f"{figure.month:%b %Y}" if figure.month else "", figure.variation]
            for figure in pack.workforce
        ],
    )  # fmt: skip
    write_table(
        workbook.create_sheet("Speaking up"),
        cover=[
            heading,
            "Concerns raised with the provider's Freedom to Speak Up guardians in the last four complete "
            "quarters: counts only, 1 to 4 shown as <5 and others rounded to the nearest 5",
        ],
        columns=[Column("Quarter", 16), Column("Concerns", 12)],
        rows=[list(pair) for pair in zip(pack.ftsu_quarters, pack.ftsu_counts, strict=True)],
    )
    write_table(
        workbook.create_sheet("Open recommendations"),
        cover=[heading, "Recommendations from earlier visits not yet closed"],
        columns=OPEN_RECOMMENDATION_COLUMNS,
        empty="No recommendations from earlier visits are open.",
        rows=[
            [
                item.visit.visit_on,
                item.text,
                person(item.owner),
                item.get_status_display(),
                item.due_on,
                "Yes" if item.due_on < pack.today else "",
            ]
            for item in pack.open_recommendations
        ],
    )
    return workbook
