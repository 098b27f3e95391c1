"""Reads that carry rules: a provider's figures summed over its sites, month-on-month checks per
site, rates over time with their p-charts, the LMNS outcome signal's CUSUM per site, and the
signal log."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from django.db.models import Sum
from django.utils import timezone
from django.utils.safestring import mark_safe

from lmns.models import Provider, Unit, birth_site_ordering
from lmns.months import add_months, first_of_month
from lmns.spc import SpcResult
from lmns.spc_chart import spc_svg
from workforce.perinatal.cusum import CusumPoint, cusum_statistics
from workforce.perinatal.models import (
    COUNT_FIELDS,
    COUNT_JUMPS,
    RATES,
    OutcomeSignal,
    PerinatalFigures,
    PerinatalReturn,
    Rate,
    SignalKind,
    format_rate,
    signal_window_start,
)
from workforce.perinatal.pchart import p_chart
from workforce.perinatal.reference import SignalMeasureReference, signal_reference

TREND_MONTHS = 24


def figure_sums() -> dict:
    """The sum of each count, for ``annotate`` or ``aggregate`` (named apart from the fields)."""
    return {f"sum_{name}": Sum(name) for name in COUNT_FIELDS}


def figures_of(row: dict) -> PerinatalFigures:
    """The figures in a row that figure_sums summed."""
    return PerinatalFigures({name: row[f"sum_{name}"] for name in COUNT_FIELDS})


def figures_by(returns, *keys: str) -> dict[tuple, PerinatalFigures]:
    """The counts of ``returns`` summed for each value of ``keys`` (say, provider and month), in
    one query however many providers and months: a provider's figures are its sites' sum."""
    rows = returns.order_by().values(*keys).annotate(**figure_sums())
    return {tuple(row[key] for key in keys): figures_of(row) for row in rows}


def return_figures(workforce_return) -> PerinatalFigures | None:
    """A month's figures of the provider, summed over its sites; None before any were given."""
    found = figures_by(PerinatalReturn.objects.filter(workforce_return=workforce_return), "workforce_return")
    return found.get((workforce_return.pk,))


def perinatal_flags(*, unit: Unit, month: date, perinatal: PerinatalReturn) -> list[str]:
    """Figures that moved implausibly far since the same site's previous month, in words naming
    the site: a provider's sum would hide a jump at one site behind a steady other."""
    previous = (
        PerinatalReturn.objects.filter(unit=unit, workforce_return__month=add_months(month, -1))
        .select_related("workforce_return")
        .first()
    )
    if previous is None:
        return []
    when = f"{previous.workforce_return.month:%B %Y}"
    flags = []
    for name, (label, share) in COUNT_JUMPS.items():
        now, before = getattr(perinatal, name), getattr(previous, name)
        if now is not None and before and abs(Decimal(now - before)) / before > share:
            flags.append(f"{unit.name}: {label}: {before:,} in {when}, {now:,} now.")
    for rate in RATES:
        if rate.jump is None:
            continue
        now, before = rate.of(perinatal), rate.of(previous)
        if now is not None and before is not None and abs(now - before) > rate.jump:
            flags.append(
                f"{unit.name}: {rate.label}: {format_rate(before, rate.unit)} in {when}, "
                f"{format_rate(now, rate.unit)} now."
            )
    return flags


# The rates the return's page shows for each site beside the provider's: the two the outcome
# signal watches.
SITE_RATES = [rate for rate in RATES if rate.key in {"term_stillbirth_rate", "term_neonatal_death_rate"}]


@dataclass(frozen=True)
class SiteRow:
    unit: Unit
    perinatal: PerinatalReturn
    rates: list[str]  # SITE_RATES in words, with count and denominator


def return_sites(workforce_return) -> list[SiteRow]:
    """Each site's figures of a month, its sites in their order (lmns birth_site_ordering), in
    one query."""
    return [
        SiteRow(perinatal.unit, perinatal, [rate.describe(perinatal) for rate in SITE_RATES])
        for perinatal in PerinatalReturn.objects.filter(workforce_return=workforce_return)
        .select_related("unit")
        .order_by(*birth_site_ordering("unit__"))
    ]


def return_rates(perinatal: PerinatalReturn) -> list[tuple[str, str]]:
    """Each rate in words, with its count and denominator."""
    return [(rate.label, rate.describe(perinatal)) for rate in RATES]


def return_counts(perinatal: PerinatalReturn) -> list[tuple[str, list[tuple[str, str]]]]:
    p = perinatal
    return [
        (
            "Births and deaths",
            [
                (
                    "Births",
                    f"{p.total_births:,} ({p.live_births:,} live births, {p.stillbirths:,} stillbirths)",
                ),
                ("Term births", f"{p.term_births:,}, of which {p.term_stillbirths:,} stillbirths"),
                (
                    "Neonatal deaths",
                    f"{p.neonatal_deaths:,}, of which {p.term_neonatal_deaths:,} born at term",
                ),
                ("Late fetal losses (22+0 to 23+6)", f"{p.late_fetal_losses:,}"),
                ("Perinatal deaths reviewed with PMRT", f"{p.pmrt_reviews:,}"),
            ],
        ),
        (
            "Harm",
            [
                ("Babies cooled for HIE", f"{p.hie_cooled:,}"),
                ("Term admissions to the neonatal unit", f"{p.term_nnu_admissions:,}"),
                ("Postpartum haemorrhages of 1.5 litres or more", f"{p.pph_1500:,}"),
                ("Third and fourth degree tears", f"{p.third_fourth_degree_tears:,}"),
            ],
        ),
        (
            "Staffing",
            [
                ("Obstetric rota gaps", f"{p.obstetric_rota_gaps:,}"),
                (
                    "Midwifery shifts",
                    f"{p.midwifery_shifts_filled:,} filled of {p.midwifery_shifts_planned:,} planned",
                ),
            ],
        ),
        (
            "Service users",
            [
                ("Complaints", f"{p.complaints:,}"),
                ("Compliments", f"{p.compliments:,}"),
                ("Friends and Family Test", f"{p.fft_positive:,} positive of {p.fft_responses:,} responses"),
            ],
        ),
    ]


def _month_list(end: date, months: int) -> list[date]:
    end = first_of_month(end)
    return [add_months(end, offset) for offset in range(-months + 1, 1)]


def _figures_by_month(provider: Provider, first: date, last: date) -> dict[date, PerinatalFigures]:
    returns = PerinatalReturn.objects.filter(
        workforce_return__provider=provider,
        workforce_return__month__gte=first,
        workforce_return__month__lte=last,
    )
    return {month: figures for (month,), figures in figures_by(returns, "workforce_return__month").items()}


@dataclass
class RateTrend:
    rate: Rate
    months: list[date]
    counts: list  # (count, denominator) per month, None where there is no return

    @cached_property
    def spc(self) -> SpcResult:
        return p_chart(
            self.counts, direction=self.rate.direction, per=self.rate.per, unit_words=self.rate.unit
        )

    @cached_property
    def chart(self) -> str:
        # spc_svg escapes every text it is given, so its output is safe to insert as is.
        return mark_safe(
            spc_svg(
                self.spc,
                labels=[f"{month:%b %Y}" for month in self.months],
                title=(
                    f"{self.rate.label} ({self.rate.unit}), {self.months[0]:%B %Y} to {self.months[-1]:%B %Y}"
                ),
                units=self.rate.unit,
                chart_id=f"chart-{self.rate.key}",
            )
        )

    @property
    def rows(self):
        """Month, count, denominator and rate, for the table under the chart."""
        return [
            (month, c[0], c[1], format_rate(Decimal(c[0]) * self.rate.per / Decimal(c[1]), self.rate.unit))
            for month, c in zip(self.months, self.counts, strict=True)
            if c is not None and c[1]
        ]


def rate_trends(*, provider: Provider, months: int = TREND_MONTHS, end: date | None = None):
    """Each rate month by month over ``months`` months to ``end``, by default the last month that
    can have a return (the current month's figures are not known until it is over), one query."""
    month_list = _month_list(end or add_months(first_of_month(timezone.localdate()), -1), months)
    by_month = _figures_by_month(provider, month_list[0], month_list[-1])
    trends = [
        RateTrend(
            rate=rate,
            months=month_list,
            counts=[rate.counts(by_month[m]) if m in by_month else None for m in month_list],
        )
        for rate in RATES
    ]
    return month_list, trends


@dataclass
class CusumSeries:
    unit: Unit  # the site: the outcome signal, as MOSS, is per site
    reference: SignalMeasureReference
    months: list[date]
    counts: list  # (deaths, births) per month, None where there is no return
    statistics: list[float]  # W at each month's end, before any reset
    levels: list  # the threshold reached each month: "amber", "red" or None

    def _point(self, index: int) -> CusumPoint:
        deaths, births = self.counts[index] or (None, None)
        return CusumPoint(index, deaths, births, self.statistics[index], self.levels[index])

    @property
    def crossings(self) -> list[tuple[date, CusumPoint]]:
        return [(self.months[index], self._point(index)) for index, level in enumerate(self.levels) if level]

    @property
    def current(self) -> float:
        """W now: where the latest month left it (zero straight after a signal)."""
        if not self.levels:
            return 0.0
        return 0.0 if self.levels[-1] else self.statistics[-1]

    @property
    def recent(self) -> list[tuple[date, CusumPoint]]:
        return [(self.months[index], self._point(index)) for index in range(len(self.months))[-12:]]

    @property
    def title(self) -> str:
        return f"{self.unit.name}: {self.reference.label}"


# Each measure's (deaths, births) from a return's term stillbirths, term births and term
# neonatal deaths; term live births as PerinatalReturn.term_live_births works them out.
_SIGNAL_COUNTS = {
    "term_stillbirths": lambda stillbirths, births, neonatal: (stillbirths, births),
    "term_neonatal_deaths": lambda stillbirths, births, neonatal: (neonatal, max(0, births - stillbirths)),
}


def _site_series(units, rows) -> dict[int, list[CusumSeries]]:
    """Each of ``units``' CUSUM for each measure, by unit id, from ``rows`` of (unit id, month,
    term stillbirths, term births, term neonatal deaths), over every month from the site's
    first return to its last (a month missing between leaves W as it was)."""
    reference = signal_reference()
    by_unit: dict[int, dict] = {unit.pk: {} for unit in units}
    for unit, month, *counts in rows:
        by_unit[unit][month] = counts
    cusums = {}
    for unit in units:
        by_month = by_unit[unit.pk]
        months = []
        if by_month:
            month, last = min(by_month), max(by_month)
            while month <= last:
                months.append(month)
                month = add_months(month, 1)
        cusums[unit.pk] = series = []
        for key, ref in reference.measures.items():
            counts = [_SIGNAL_COUNTS[key](*by_month[m]) if m in by_month else None for m in months]
            statistics, levels = cusum_statistics(
                counts,
                reference_rate=ref.reference_rate,
                amber=ref.amber,
                red=ref.red,
                rate_ratio=reference.rate_ratio,
            )
            series.append(CusumSeries(unit, ref, months, counts, statistics, levels))
    return cusums


_UNIT_COLUMNS = ["id", "provider_id", "name", "ods_site_code", "unit_type"]


def providers_cusums(*, providers) -> dict[int, list[CusumSeries]]:
    """The LMNS outcome signal's CUSUM for each measure at each birth site with returns, by
    provider id, sites in their order (lmns birth_site_ordering): one query for all of them,
    reading only the counts it needs and each site's name and type beside them."""
    ids = [provider.pk for provider in providers]
    rows = PerinatalReturn.objects.filter(workforce_return__provider__in=ids).values_list(
        "unit",
        "unit__provider",
        "unit__name",
        "unit__ods_site_code",
        "unit__unit_type",
        "workforce_return__month",
        "term_stillbirths",
        "term_births",
        "term_neonatal_deaths",
    )
    units, counts = {}, []
    for unit, provider, name, code, unit_type, *figures in rows.order_by():
        if unit not in units:
            units[unit] = Unit.from_db(None, _UNIT_COLUMNS, (unit, provider, name, code, unit_type))
        counts.append((unit, *figures))
    ordered = sorted(units.values(), key=lambda unit: unit.birth_site_key)
    by_unit = _site_series(ordered, counts)
    cusums: dict[int, list[CusumSeries]] = {pk: [] for pk in ids}
    for unit in ordered:
        cusums[unit.provider_id] += by_unit[unit.pk]
    return cusums


def provider_cusums(*, provider: Provider) -> list[CusumSeries]:
    """Every site of one provider, each measure's CUSUM (providers_cusums)."""
    return providers_cusums(providers=[provider])[provider.pk]


@dataclass(frozen=True)
class PastCrossing:
    """A threshold crossing in figures older than the signal window: it opened no signal."""

    site: str
    measure: str
    month: date
    level: str
    statistic: float


@dataclass(frozen=True)
class PastCrossings:
    since: date  # the first month whose crossing opens a signal
    crossings: list[PastCrossing]

    def __len__(self) -> int:
        return len(self.crossings)

    @property
    def words(self) -> str:
        """In plain words, for the provider's page and an import's result."""
        count = len(self.crossings)
        return (
            f"{count} past crossing{'s' if count != 1 else ''} of the LMNS outcome signal's thresholds, "
            f"in months before {self.since:%B %Y}, {'were' if count != 1 else 'was'} found in historical "
            "figures and opened no critical safety check."
        )


def crossing_keys(cusums: list[CusumSeries]) -> set[tuple[int, str, date]]:
    """Each (site id, measure, month) at which ``cusums`` cross a threshold."""
    return {
        (series.unit.pk, series.reference.key, month)
        for series in cusums
        for month, _point in series.crossings
    }


def past_crossings(
    *, provider: Provider, cusums: list[CusumSeries], today: date | None = None, excluding=frozenset()
) -> PastCrossings:
    """The crossings in ``cusums`` (the provider's) from before the signal window that opened no
    signal: found in figures imported or corrected after their time (models.SIGNAL_WINDOW_MONTHS).
    A crossing that opened a signal is in the signal log, not here; those in ``excluding`` (known
    before an import) are left out too."""
    since = signal_window_start(today or timezone.localdate())
    opened = set(
        OutcomeSignal.objects.filter(provider=provider, kind=SignalKind.LMNS, month__lt=since).values_list(
            "unit", "measure", "month"
        )
    )
    return PastCrossings(
        since,
        [
            PastCrossing(series.unit.name, series.reference.label, month, point.level, point.statistic)
            for series in cusums
            for month, point in series.crossings
            if month < since and (series.unit.pk, series.reference.key, month) not in opened | excluding
        ],
    )


def signals_visible_to(user):
    return OutcomeSignal.objects.visible_to(user).select_related("provider", "unit")


def lmns_signals_opened_since(*, provider: Provider, since: datetime) -> list[OutcomeSignal]:
    """The LMNS outcome signals opened for ``provider`` from ``since``: saving a return runs the
    CUSUM in the same transaction, so these are the signals that saving opened."""
    return list(
        OutcomeSignal.objects.filter(provider=provider, kind=SignalKind.LMNS, created_at__gte=since)
        .select_related("unit")
        .order_by("month", "unit__name", "measure")
    )
