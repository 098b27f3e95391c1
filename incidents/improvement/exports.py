"""Workbooks: a whole improvement plan (the All view), and a survey round's results.

Built from the same data the pages show (``selectors.plan_detail``, ``plan_series`` and
``survey_results``), so a printed page and its workbook cannot disagree.
"""

from openpyxl import Workbook

from incidents.improvement.selectors import MIN_RESULTS, SCALE
from lmns.exports import stamp
from lmns.spreadsheets import Column, write_table

WIDE = [Column("", 34), Column("", 90)]
# Widths within PRINT_WIDTH, so that every sheet prints at 9 pt or more on landscape A4.
MEASURE_COLUMNS = [
    Column("Measure", 20),
    Column("Type", 9),
    Column("Unit", 8),
    Column("Definition", 26),
    Column("Which way is better", 11),
    Column("Who collects it", 14),
    Column("How often", 10),
    Column("Lead", 14),
    Column("Due date", 12),
    Column("Risks and mitigations", 24),
]
VALUE_COLUMNS = [
    Column("Measure", 30),
    Column("Unit", 8),
    Column("Month", 12),
    Column("Value", 10),
    # What the page's chart draws its centre line at, so the workbook can redraw it.
    Column("Centre line (median, or mean on an SPC chart)", 16),
    Column("PDSA cycles starting", 36),
]
PDSA_COLUMNS = [Column("PDSA cycle", 30), Column("Start", 13), Column("End", 13), Column("What changed", 70)]
COMMUNICATION_COLUMNS = [
    Column("Audience", 22),
    Column("Message", 44),
    Column("Channel or method", 22),
    Column("When", 18),
    Column("Owner", 20),
]
TEAM_COLUMNS = [Column("Name", 26), Column("Role", 30), Column("Email", 32)]
RESULT_COLUMNS = [
    Column("Group", 14),
    Column("Statement", 44),
    *(Column(label, 8) for _, label in SCALE),
    Column("Answers", 8),
    Column("Agree (%)", 9),
    Column("Previous round agree (%)", 12),
    Column("Change (points)", 9),
]


def plan_workbook(*, detail: dict, series, generated_by) -> Workbook:
    """Every tab of the plan: General, Measurement plan, Measure values, PDSA cycles,
    Communications plan and Team."""
    plan = detail["plan"]
    heading = f"Improvement plan: {plan.title} ({plan.owner_name})"
    generated = stamp(generated_by)
    cover = [heading, generated.line]
    workbook = generated.workbook()
    general = workbook.active
    general.title = "General"
    rows = [
        ["Primary driver", detail["primary_driver"]],
        ["Overarching aim", plan.overarching_aim],
        ["Secondary drivers", "\n".join(plan.secondary_drivers) or "None chosen"],
        ["SSIG themes", ", ".join(theme.name for theme in detail["themes"]) or "None"],
        ["Learning", "\n".join(item.title for item in detail["learning"]) or "None"],
        *([section.title, section.text or "Not yet written"] for section in detail["sections"]),
    ]
    write_table(general, cover=cover, columns=WIDE, rows=rows)
    sheets = [
        (
            "Measurement plan",
            MEASURE_COLUMNS,
            [
                [
                    m.name,
                    m.get_measure_type_display(),
                    m.unit,
                    m.definition,
                    m.get_direction_display(),
                    m.collected_by,
                    m.frequency,
                    m.lead,
                    m.due_on,
                    m.risks,
                ]
                for m in detail["measures"]
            ],
        ),
        (
            "Measure values",
            VALUE_COLUMNS,
            [
                [s.measure.name, s.measure.unit, month, value, centre, ", ".join(c.title for c in cycles)]
                for s in series
                for (month, value, cycles), centre in zip(s.rows, _centres(s), strict=True)
            ],
        ),
        (
            "PDSA cycles",
            PDSA_COLUMNS,
            [[c.title, c.started_on, c.ended_on, c.change] for c in detail["pdsa_cycles"]],
        ),
        (
            "Communications plan",
            COMMUNICATION_COLUMNS,
            [[c.audience, c.message, c.channel, c.when, c.owner] for c in detail["communications"]],
        ),
        ("Team", TEAM_COLUMNS, [[t.name, t.role, t.email] for t in detail["team"]]),
    ]
    for title, columns, table in sheets:
        write_table(workbook.create_sheet(title), cover=[heading, title], columns=columns, rows=table)
    return workbook


def _centres(series) -> list:
    """Each month's centre line as the measure's chart draws it: the median of a run chart,
    or the mean of the SPC phase the month falls in."""
    result = series.spc
    centres = []
    for index in range(len(series.months)):
        phase = result.phase_at(index)
        centre = phase.mean if phase else result.median
        centres.append(None if centre is None else round(centre, 2))
    return centres


def _percent(value):
    return None if value is None else round(value, 1)


def _result_row(group: str, row) -> list:
    return [
        group,
        row.text,
        *(row.now.counts.get(value, 0) for value, _ in SCALE),
        row.now.total,
        _percent(row.now.agree_percent),
        _percent(row.before.agree_percent) if row.before else None,
        _percent(row.change),
    ]


def survey_workbook(*, results, generated_by) -> Workbook:
    """Counts per answer for every statement, each group's total first, and the change in
    agreement since the previous round. Below the minimum number of answers, no figures."""
    round_ = results.round
    generated = stamp(generated_by)
    previous = (
        f"compared with {results.previous.title}" if results.previous else "no previous round to compare"
    )
    cover = [
        f"{round_.definition['title']}: {round_.title} ({round_.lmns.name})",
        f"{results.responses} anonymous answers; {previous}. Agree (%) counts agree and strongly agree "
        'among those who gave a view (not "don\'t know").'
        if results.counted
        else "The round is still open: answers are counted and shown when it closes.",
        generated.line,
    ]
    workbook = generated.workbook()
    sheet = workbook.active
    sheet.title = "Results"
    if not results.counted:
        rows = []
    elif not results.enough:
        cover.append(f"Too few answers to show: results appear from {MIN_RESULTS} answers.")
        rows = []
    else:
        rows = [
            line
            for group in results.groups
            for line in (
                _result_row(group.title, group.summary),
                *(_result_row(group.title, row) for row in group.rows),
            )
        ]
    write_table(sheet, cover=cover, columns=RESULT_COLUMNS, rows=rows)
    return workbook
