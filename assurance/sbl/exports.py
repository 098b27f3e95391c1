"""Saving Babies' Lives v3 in workbooks: one provider's quarter (from its page), and the tables
that the MIS board workbook and the board pack show for each provider's latest quarter.

The percentages are the pages' (selectors.Score): each is shown with the counts it is made of.
Every intervention row says whether its wording has been checked against the published care
bundle, as the pages do, since most were written from memory (care_bundle.yaml).
"""

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from openpyxl import Workbook

from assurance.sbl import selectors
from assurance.sbl.models import Implementation, SblAnswer, SblAssessment, SblState
from lmns.exports import long_datetime, stamp
from lmns.spreadsheets import Column, write_table

TITLE = "Saving Babies' Lives version 3 (MIS safety action 6)"
IMPLEMENTATION_LABELS = dict(Implementation.choices)
# Under about 150 characters across, so that a sheet fitted to the width of A4 landscape
# prints at 9 pt or more.
INTERVENTION_COLUMNS = [
    Column("Element", 18),
    Column("Code", 6),
    Column("Intervention", 52),
    Column("Wording checked", 9),
    Column("Implementation", 14),
]


def score_text(score: selectors.Score | None, *, short: bool = False) -> str:
    """'75% (3 of 4 applicable interventions fully implemented)', or '75% (3 of 4)' where the
    sheet says what the counts are; or why there is no figure."""
    if score is None or not score.total:
        return "Not asked"
    if score.percent is None:
        return "Not applicable"
    counts = f"{score.fully} of {score.applicable}"
    return (
        f"{score.percent}% ({counts})"
        if short
        else f"{score.percent}% ({counts} applicable interventions fully implemented)"
    )


def wording_lines() -> list[str]:
    """What the cover says about the interventions' wording, in lines short enough that
    LibreOffice, which fits the text overflowing a cover cell into the page's width, does not
    shrink the whole sheet to fit them."""
    counts = selectors.wording_unchecked()
    if not counts["unchecked"]:
        return ["Every intervention's wording has been checked against the published care bundle."]
    return [
        f"{counts['unchecked']} of the {counts['active']} interventions asked have wording NOT checked "
        "against the published care bundle (marked NO):",
        "they were written from memory as short summaries. Confirm them before the board relies on a "
        "quarter.",
    ]


def _position(assessment: SblAssessment) -> str:
    if assessment.state == SblState.VALIDATED and assessment.validated_at:
        return f"Validated by the LMNS on {long_datetime(assessment.validated_at)}"
    return {
        SblState.AWAITING: "Self-assessed: awaiting LMNS validation",
        SblState.CHALLENGED: "Self-assessed: challenged by the LMNS, back with the provider",
    }.get(assessment.state, "Self-assessment in progress")


# --- One provider's quarter -------------------------------------------------------------------


def sbl_quarter_workbook(*, assessment: SblAssessment, generated_by) -> Workbook:
    """A summary sheet (overall and per-element percentages) and every intervention's answer."""
    generated = stamp(generated_by)
    scores = selectors.assessment_scores(assessment)
    sections = selectors.answers_by_element(assessment)
    cover = [
        f"{TITLE}: {assessment.provider.name}, {assessment.quarter_label}",
        generated.line,
        f"{_position(assessment)}. Overall: {score_text(scores.overall)}.",
        *wording_lines(),
    ]
    workbook = generated.workbook()
    summary = workbook.active
    summary.title = "Summary"
    write_table(
        summary,
        cover=cover,
        columns=[Column("Element", 40), Column("Implementation", 80)],
        rows=[
            *([f"{element.number}. {element.name}", score_text(scores.by_element.get(element.number))]
              for element, _ in sections),
            ["Overall", score_text(scores.overall)],
        ],
    )  # fmt: skip
    write_table(
        workbook.create_sheet("Interventions"),
        cover=cover,
        columns=[*INTERVENTION_COLUMNS, Column("Note", 36), Column("Evidence items", 9)],
        rows=[
            [
                *_intervention_cells(element.number, element.name, answer.intervention.code,
                                     answer.intervention.text, answer.intervention.wording_checked,
                                     answer.implementation),
                answer.note,
                len(answer.evidence.all()),
            ]
            for element, answers in sections
            for answer in answers
        ],
    )  # fmt: skip
    return workbook


def quarter_filename(assessment: SblAssessment) -> str:
    return f"sbl-{assessment.provider.ods_code}-{assessment.quarter_start:%Y-%m}.xlsx"


# --- Every provider's latest quarter, for the board -----------------------------------------------


@dataclass
class BoardTables:
    """Each provider's latest quarter: one summary row per provider, one row per intervention."""

    cover: list[str]
    summary_columns: list[Column]
    summary_rows: list[list]
    intervention_rows: list[list]
    intervention_columns: ClassVar[list[Column]] = [Column("Provider", 20), *INTERVENTION_COLUMNS]


def board_tables(*, providers: list, on: date) -> BoardTables:
    """Each provider's latest quarter started by ``on`` (whatever its state: the board sees
    which are validated), in a fixed number of queries however many providers.

    ``providers`` must already be limited to what the reader may see."""
    latest: dict[int, SblAssessment] = {}
    for assessment in SblAssessment.objects.filter(provider__in=providers, quarter_start__lte=on).order_by(
        "provider_id", "-quarter_start"
    ):
        latest.setdefault(assessment.provider_id, assessment)
    elements = selectors.elements()
    scores = selectors.scores_for(a.pk for a in latest.values())
    summary_rows = []
    for provider in providers:
        assessment = latest.get(provider.pk)
        if assessment is None:
            summary_rows.append([provider.name, "No quarter assessed", "", "", *("" for _ in elements)])
            continue
        found = scores.get(assessment.pk, selectors.Scores())
        summary_rows.append(
            [
                provider.name,
                assessment.quarter_label,
                _position(assessment),
                score_text(found.overall, short=True),
                *(score_text(found.by_element.get(element.number), short=True) for element in elements),
            ]
        )
    names = {provider.pk: provider.name for provider in providers}
    answers = SblAnswer.objects.filter(assessment_id__in=[a.pk for a in latest.values()]).values_list(
        "assessment__provider_id",
        "intervention__order",
        "intervention__element__number",
        "intervention__element__name",
        "intervention__code",
        "intervention__text",
        "intervention__wording_checked",
        "implementation",
    )
    intervention_rows = [
        [names[provider_id], *_intervention_cells(*row)]
        for provider_id, _order, *row in sorted(
            answers, key=lambda row: (names[row[0]], row[0], row[2], row[1], row[4])
        )
    ]
    return BoardTables(
        cover=[
            f"{TITLE}: each provider's latest quarter to {on:%-d %B %Y}",
            "Each percentage is the interventions fully implemented out of those that apply, then "
            "those two counts.",
            "A quarter is the provider's own position until the LMNS validates it.",
            *wording_lines(),
        ],
        summary_columns=[
            Column("Provider", 22),
            Column("Quarter", 18),
            Column("Position", 22),
            Column("Overall", 14),
            *(Column(f"{element.number}. {element.name}", 13) for element in elements),
        ],
        summary_rows=summary_rows,
        intervention_rows=intervention_rows,
    )


def _intervention_cells(number, name, code, text, checked, implementation) -> list:
    return [
        f"{number}. {name}",
        code,
        text,
        "Yes" if checked else "NO",
        IMPLEMENTATION_LABELS.get(implementation, implementation),
    ]
