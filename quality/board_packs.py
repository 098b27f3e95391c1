"""Monthly quality snapshots and board packs.

On the first of each month a Celery beat task freezes every provider's quality view for the
month just ended (QualitySnapshot). A board pack for a month is built from its snapshot when
there is one, so that it shows what was known then, not what was edited later; for a month not
yet frozen (the current one, or one before the product was in use) it is built live and says so.

An LMNS-wide pack is built by a Celery task while the user watches its progress, as the
compliance board workbooks are: both run through lmns.jobs.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from assurance.sbl.exports import board_tables as sbl_board_tables
from lmns import access
from lmns.access import SYSTEM
from lmns.exports import long_datetime, stamp
from lmns.jobs import JobRefused, export_job_run
from lmns.models import BoardPackJob, ExportStatus, Lmns, Provider, QualitySnapshot
from lmns.notifications import absolute_url
from lmns.outbox import job_send_on_commit
from lmns.spreadsheets import PRINT_WIDTH, Column, write_table
from quality.board_pack_report import ReportRow, perinatal_rows, report_rows
from quality.quality import (
    ProviderQuality,
    month_period,
    provider_qualities,
    quality_as_data,
    quality_from_data,
)
from workforce.selectors import latest_due_month

# Fills for a rating's cell, in the NHS.UK tag colours.
RAG_FILLS = {
    "red": PatternFill("solid", fgColor="F7D4D1"),
    "amber": PatternFill("solid", fgColor="FFF9C4"),
    "green": PatternFill("solid", fgColor="CCE9D7"),
    "grey": PatternFill("solid", fgColor="DBE0E3"),
}


# --- Snapshots -------------------------------------------------------------------------------------


REPORT = "monthly_report"


def _freeze(quality: ProviderQuality, month: date, report: list[dict]) -> QualitySnapshot:
    """Keep ``quality`` and the monthly report's own rows as its provider's picture of ``month``,
    unless another run kept one first."""
    try:
        with transaction.atomic():
            return QualitySnapshot.objects.create(
                provider=quality.provider, month=month, content={**quality_as_data(quality), REPORT: report}
            )
    except IntegrityError:  # another worker froze it first: theirs stands
        return QualitySnapshot.objects.get(provider=quality.provider, month=month)


def snapshots_take(*, today: date | None = None) -> int:
    """Freeze every provider's view of the latest month whose workforce return is due. Run by
    beat the day after returns fall due: frozen any earlier, the month's staffing figures could
    not yet exist and every pack would show "No return" for good. Safe to run again: providers
    already frozen are left alone. Returns how many were new."""
    today = today or timezone.localdate()
    month = latest_due_month(today)
    frozen = QualitySnapshot.objects.filter(month=month).values("provider_id")
    providers = Provider.objects.exclude(pk__in=frozen).order_by("pk")
    # Worked out for every provider at once: a fixed number of queries, however many there are.
    # The deployment's own job, for every provider: each is read as it stands.
    qualities = provider_qualities(user=SYSTEM, providers=providers, period=month_period(month), today=today)
    reports = perinatal_rows(
        user=SYSTEM, providers=[q.provider for q in qualities], period=month_period(month), today=today
    )
    for quality in qualities:
        _freeze(quality, month, reports[quality.provider.pk])
    return len(qualities)


@dataclass
class PackSource:
    """A provider's picture for a board pack, and whether it was frozen or worked out now."""

    quality: ProviderQuality
    frozen_at: datetime | None
    # The monthly report's rows beyond the quality view's; None if frozen before it existed.
    report: list[dict] | None = None

    @property
    def report_rows(self) -> list[ReportRow]:
        return report_rows(self.quality, self.report)

    @property
    def provenance(self) -> str:
        if self.frozen_at:
            return f"Frozen on {long_datetime(self.frozen_at)}: figures as they were known then."
        return (
            "Not frozen: this month's figures are worked out now, as they stand today. Each month "
            "is frozen on the 16th of the next, the day after its workforce returns fall due."
        )


def pack_sources(*, user, providers: list[Provider], month: date) -> list[PackSource]:
    """Each provider's picture for ``month``: its snapshot where there is one (one query for all),
    else worked out now (for all those providers at once). Providers ``user`` may not read are
    left out, their snapshots too."""
    providers = access.readable(user, providers)
    snapshots = {
        s.provider_id: s for s in QualitySnapshot.objects.filter(provider__in=providers, month=month)
    }
    unfrozen = [provider for provider in providers if provider.pk not in snapshots]
    live = {
        quality.provider.pk: quality
        for quality in provider_qualities(user=user, providers=unfrozen, period=month_period(month))
    }
    reports = perinatal_rows(user=user, providers=unfrozen, period=month_period(month)) if unfrozen else {}
    sources = []
    for provider in providers:
        snapshot = snapshots.get(provider.pk)
        if snapshot:
            quality = quality_from_data(provider, snapshot.content)
            sources.append(PackSource(quality, snapshot.taken_at, snapshot.content.get(REPORT)))
        else:
            sources.append(PackSource(live[provider.pk], None, reports[provider.pk]))
    return sources


# --- The workbook ----------------------------------------------------------------------------------


SPC_COLUMNS = [
    Column("Provider", 28),
    Column("Measure", 34),
    Column("Month", 11),
    Column("Figure", 10),
    Column("Centre line", 11),
    Column("Lower process limit", 11),
    Column("Upper process limit", 11),
    Column("Special cause", 22),
]


def board_pack_workbook(*, sources: list[PackSource], title: str, generated_by, progress=None) -> Workbook:
    """Summary sheet (providers by domains, worst rating and why), one sheet per domain (every
    figure, rating, reason and a link to the records), and the SPC data with its limits."""
    generated = stamp(generated_by)
    cover = [title, generated.line]
    workbook = generated.workbook()
    summary = workbook.active
    summary.title = "Summary"
    # A snapshot frozen before a domain existed lacks it: domains are matched by name, not place.
    names = list(dict.fromkeys(d.short_name for source in sources for d in source.quality.domains))
    rows, fills = [], []
    for source in sources:
        domains = {domain.short_name: domain for domain in source.quality.domains}
        rows.append(
            [
                source.quality.provider.name,
                *(_summary_cell(domains.get(name)) for name in names),
                source.provenance,
            ]
        )
        fills.append([domains[name].worst.rag if _rated(domains.get(name)) else None for name in names])
    summary_cover = [
        *cover,
        "Each cell is the domain's worst rating and why; the domain sheets give every measure.",
    ]
    write_table(
        summary,
        cover=summary_cover,
        columns=[
            Column("Provider", 24),
            *(Column(name, _domain_width(len(names))) for name in names),
            Column("Figures as of", 24),
        ],
        rows=rows,
    )
    for offset in range(len(names)):
        _fill(
            summary,
            first_row=_first_row(summary_cover),
            column=2 + offset,
            rags=[row[offset] for row in fills],
        )

    report = [(source, row) for source in sources for row in source.report_rows]
    report_cover = [
        *cover,
        "The month as the board's perinatal report reads it: each rate with its count and "
        "denominator; an overdue critical safety check is red.",
    ]
    write_table(
        workbook.create_sheet("Monthly report"),
        cover=report_cover,
        columns=[
            # 155 characters in all, as wide as a sheet may be and still print at 9 pt on A4
            # landscape; Section and Measure as before, so each label prints whole.
            Column("Provider", 18),
            Column("Section", 18),
            Column("Measure", 34),
            Column("Figure", 24),
            Column("Rating", 9),
            Column("Why", 30),
            Column("Records", 22),
        ],
        rows=[
            [source.quality.provider.name, row.section, row.label, row.value,
             row.rating_label, row.why, absolute_url(row.url) if row.url else ""]
            for source, row in report
        ],
    )  # fmt: skip
    _fill(
        workbook["Monthly report"],
        first_row=_first_row(report_cover),
        column=5,
        rags=[row.rag for _, row in report],
    )
    _link(workbook["Monthly report"], first_row=_first_row(report_cover), column=7, count=len(report))

    for index, name in enumerate(names):
        sheet = workbook.create_sheet(name[:31])
        domains = [(source, d) for source in sources for d in source.quality.domains if d.short_name == name]
        measured = [(source, row) for source, domain in domains for row in domain.rows]
        notes = sorted({domain.note for _, domain in domains} - {""})
        write_table(
            sheet,
            cover=[*cover, *notes],
            columns=[
                Column("Provider", 24),
                Column("Measure", 34),
                Column("Figure", 16),
                Column("Rating", 10),
                # About 150 characters in all, so the text prints at 9 pt or more on A4 landscape.
                Column("Why", 44),
                Column("Records", 26),
            ],
            rows=[
                [
                    source.quality.provider.name,
                    row.label,
                    # A plain count is a number a board member can sum or chart; the rest is text.
                    int(row.value) if row.value.isdigit() else row.value,
                    row.rating.label if row.rating else "",
                    row.rating.reason if row.rating else "",
                    absolute_url(row.url),
                ]
                for source, row in measured
            ],
        )
        _fill(
            sheet,
            first_row=_first_row([*cover, *notes]),
            column=4,
            rags=[row.rating and row.rating.rag for _, row in measured],
        )
        _link(sheet, first_row=_first_row([*cover, *notes]), column=6, count=len(measured))
        if progress:
            progress(index + 1, len(names) + 1)

    _sbl_sheets(workbook, cover=cover, sources=sources)
    write_table(
        workbook.create_sheet("SPC data"),
        cover=[
            *cover,
            "Monthly measures as XmR charts (Making Data Count): the centre line is the mean, or the "
            "median on a run chart (fewer than 15 months); the process limits are the mean plus or "
            "minus 2.66 times the mean moving range.",
        ],
        columns=SPC_COLUMNS,
        rows=[row for source in sources for row in _spc_rows(source.quality)],
    )
    return workbook


def _sbl_sheets(workbook, *, cover: list[str], sources: list[PackSource]) -> None:
    """Saving Babies' Lives (MIS safety action 6): each provider's latest quarter started by the
    end of the pack's month, with its percentages, then every intervention's answer. Worked out
    now even for a frozen month: a quarter changes only until the LMNS validates it, and its
    position says which it is."""
    if not sources:
        return
    last_day = sources[0].quality.period.end - timedelta(days=1)
    tables = sbl_board_tables(providers=[source.quality.provider for source in sources], on=last_day)
    sbl_cover = [*cover, *tables.cover, "Worked out now, from each quarter as it stands today."]
    for name, columns, rows in [
        ("Saving Babies' Lives", tables.summary_columns, tables.summary_rows),
        ("SBL interventions", tables.intervention_columns, tables.intervention_rows),
    ]:
        write_table(workbook.create_sheet(name), cover=sbl_cover, columns=columns, rows=rows)


def _domain_width(count: int) -> int:
    """A domain's column on the summary: as wide as the page allows beside the provider and
    the date columns, so that the sheet prints at 9 pt or more whatever the number of domains."""
    return max(12, min(30, (PRINT_WIDTH - 48) // max(1, count)))


def _rated(domain) -> bool:
    return domain is not None and domain.worst is not None


def _summary_cell(domain) -> str:
    if domain is None:
        return "Not in this month's snapshot"
    return domain.worst.reason if domain.worst else "Not rated: counts only"


def _link(sheet, *, first_row: int, column: int, count: int) -> None:
    """Make each record's address a link that opens it: LibreOffice and Excel show an address
    written as text, but only follow one given as a hyperlink. Our own site's, built by
    absolute_url, never a figure's text."""
    for row in range(first_row, first_row + count):
        cell = sheet.cell(row=row, column=column)
        if cell.value:
            cell.hyperlink = cell.value
            # Underlined in link blue, in the table's own font, so it prints as the rest does.
            cell.font = Font(name=cell.font.name, size=cell.font.size, color="005EB8", underline="single")


def _first_row(cover: list[str]) -> int:
    """The first data row under write_table's cover lines, blank row and header."""
    return len(cover) + 3


def _fill(sheet, *, first_row: int, column: int, rags: list[str | None]) -> None:
    for offset, rag in enumerate(rags):
        if rag:
            sheet.cell(row=first_row + offset, column=column).fill = RAG_FILLS[rag]


def _spc_rows(quality: ProviderQuality):
    for chart in quality.charts:
        result = chart.result
        for point, month in zip(result.points, chart.months, strict=True):
            phase = result.phase_at(point.index)
            centre = phase.mean if phase else result.median
            yield [
                quality.provider.name,
                chart.title,
                month,
                point.value,
                round(centre, 3) if centre is not None and point.value is not None else None,
                round(phase.lower, 3) if phase else None,
                round(phase.upper, 3) if phase else None,
                _signal(point.signal),
            ]


def _signal(signal) -> str:
    return {"improvement": "Improvement", "concern": "Concern", "neither": "Neither"}.get(signal or "", "")


# --- LMNS-wide packs, in the background ------------------------------------------------------------


@transaction.atomic
def board_pack_job_start(*, lmns: Lmns, month: date, by) -> BoardPackJob:
    """Queue an LMNS-wide board pack, or return the one already queued or being built.

    The caller checks that ``by`` may see every provider of ``lmns``.
    """
    unfinished = BoardPackJob.objects.filter(
        lmns=lmns, month=month, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).first()
    if unfinished:
        return unfinished
    job = BoardPackJob.objects.create(lmns=lmns, month=month, requested_by=by)
    job_send_on_commit(job)
    return job


def board_pack_job_run(*, job_id: int) -> None:
    """Build the job's pack for every provider of its LMNS and store it."""

    def build(job, progress):
        # The pack is read as its requester: one who has left or lost the role since asking would
        # see no provider's records, and every figure would read as zero, rated green.
        if not access.can(job.requested_by, "lmns_workbook", job.lmns):
            raise JobRefused(
                f"The board pack was not built: {job.requested_by} may no longer see "
                f"{job.lmns.name}'s board packs. Ask someone who may to request it."
            )
        providers = list(Provider.objects.filter(lmns=job.lmns).select_related("lmns").order_by("name"))
        return board_pack_workbook(
            sources=pack_sources(user=job.requested_by, providers=providers, month=job.month),
            title=f"Perinatal quality surveillance board pack: {job.lmns.name}, {job.month:%B %Y}",
            generated_by=job.requested_by,
            progress=progress,
        )

    def filename(job):
        started = timezone.localtime(job.requested_at)
        return f"board-pack-{job.lmns.code}-{job.month:%Y-%m}-{started:%Y%m%d-%H%M%S}.xlsx"

    export_job_run(
        jobs=BoardPackJob.objects.filter(pk=job_id).select_related("lmns", "requested_by"),
        what="board pack",
        build=build,
        filename=filename,
    )
