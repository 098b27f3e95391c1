"""The wave's two workbooks: the mapping template a provider fills in, and its results.

The results workbook is built from ``selectors.wave_private_for``, so it holds what the page
holds for the same person: a setting with fewer than MIN_RESPONSES responses has no figures.
"""

from openpyxl import Workbook
from openpyxl.styles import Alignment

from lmns.exports import stamp
from lmns.spreadsheets import Column, write_table
from workforce.score import sheets
from workforce.score.models import MIN_RESPONSES, ScoreWave
from workforce.score.reference import domains
from workforce.score.selectors import WavePrivate

WITHHELD = f"Fewer than {MIN_RESPONSES} responses: results not shown"


def mapping_template_workbook(*, wave: ScoreWave, generated_by) -> Workbook:
    """One row per work setting with its headcount; the wave's present mapping filled in."""
    generated = stamp(generated_by)
    workbook = generated.workbook()
    sheet = workbook.active
    sheet.title = "Work settings"
    write_table(
        sheet,
        cover=[
            f"SCORE mapping template: {wave.provider.name}, {wave.name}",
            "One row per work setting surveyed as a team, with the number of staff in it. Keep the "
            "headings as they are; a row with a problem stops the whole file, and the page says which.",
            generated.line,
        ],
        columns=[Column(sheets.SETTING, 50), Column(sheets.HEADCOUNT, 14)],
        rows=[[setting.name, setting.headcount] for setting in wave.settings.all()],
        empty="",
    )
    return workbook


def results_workbook(*, wave: ScoreWave, private: WavePrivate, generated_by) -> Workbook:
    reference = domains()
    generated = stamp(generated_by)
    workbook = generated.workbook()
    sheet = workbook.active
    sheet.title = "Results"
    rows = []
    for row in private.rows:
        if row.withheld:
            figures = [WITHHELD] + [""] * (len(reference.domains) - 1)
        else:
            figures = [float(value) if value is not None else "" for _label, value in row.results] or [
                ""
            ] * len(reference.domains)
        rows.append([row.setting.name, row.setting.headcount, row.setting.responses, row.rate, *figures])
    cover = [
        f"SCORE results: {wave.provider.name}, {wave.name}",
        f"{reference.measure} by domain. For the teams surveyed: not for benchmarking or performance "
        f"management. A setting with fewer than {MIN_RESPONSES} responses shows no results.",
        f"Domain names {'checked' if reference.checked else 'NOT CHECKED'}: {reference.source}",
        generated.line,
    ]
    write_table(
        sheet,
        cover=cover,
        columns=[
            Column("Work setting", 24),
            Column("Headcount", 10),
            Column("Responses", 10),
            Column("Response rate", 10),
            *(Column(domain.label, 13) for domain in reference.domains),
        ],
        rows=rows,
        empty="The wave has no work settings.",
    )
    # The rate is text ("64%"): set right, as the counts beside it are, or printed it ran on from
    # the responses before it ("4164%").
    first_row = len(cover) + 3  # under the blank row and the headings
    for (cell,) in sheet.iter_rows(
        min_row=first_row, max_row=first_row + len(rows) - 1, min_col=4, max_col=4
    ):
        cell.alignment = Alignment(horizontal="right", vertical="top", wrap_text=True)
    return workbook
