"""The provider quality view: one picture per provider and period, by domain.

Each app owns a summary function for its figures (incidents.quality, assurance.quality,
workforce.quality); this module rates them against the LMNS's thresholds (RagThreshold, with
defaults below until the LMNS sets its own), says why in words, and charts every monthly
measure as Making Data Count does (lmns.spc). The number of queries is fixed: one provider's
view and the LMNS overview of many are the same code, counting for every provider at once.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from assurance import quality as assurance_quality
from incidents import quality as incidents_quality
from lmns import access
from lmns.models import Provider, RagDirection, RagMeasure
from lmns.months import add_months
from lmns.query import BadQuery, parse_month
from lmns.spc import Direction, SpcResult, format_number, xmr
from lmns.spc_chart import spc_svg
from lmns.thresholds import Threshold, thresholds_for
from workforce import quality as workforce_quality
from workforce.models import return_due_on
from workforce.perinatal import quality as perinatal_quality
from workforce.selectors import Quarter

SPC_MONTHS = 24

# --- Periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar month, or a quarter of the NHS financial year (as the FTSU data collection reports them)."""

    start: date
    end: date  # the first day after the period
    label: str
    query: str  # how the period is written in a query string

    @property
    def last_month(self) -> date:
        return add_months(self.end, -1)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    @property
    def value(self) -> str:
        return self.query.partition("=")[2]

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month


def month_period(month: date) -> Period:
    return Period(month, add_months(month, 1), f"{month:%B %Y}", f"month={month:%Y-%m}")


def quarter_period(quarter: Quarter) -> Period:
    return Period(quarter.start, quarter.end, quarter.label, f"quarter={quarter.slug}")


def default_period(today: date | None = None) -> Period:
    """The last complete month: the one a board reviews."""
    return month_period(add_months((today or timezone.localdate()).replace(day=1), -1))


def period_from(query, today: date | None = None) -> Period:
    """The period a query string asks for (``month=2026-03`` or ``quarter=2025-Q4``), or the
    default. Raises BadQuery (a ValueError) for one that is malformed or not yet started."""
    today = today or timezone.localdate()
    if "quarter" in query:
        quarter = Quarter.parse(query["quarter"])
        if quarter is None:
            raise BadQuery("Give the quarter as a financial year and quarter, for example 2025-Q4.")
        period = quarter_period(quarter)
    elif "month" in query:
        period = month_period(parse_month(query["month"]))
    else:
        return default_period(today)
    if period.start > today:
        raise BadQuery("That period has not started yet.")
    return period


def period_choices(today: date | None = None, months: int = SPC_MONTHS, quarters: int = 8) -> dict:
    """Recent months and quarters, newest first, for the period picker."""
    this_month = (today or timezone.localdate()).replace(day=1)
    current = Quarter.of(this_month)
    return {
        "months": [month_period(add_months(this_month, -offset)) for offset in range(months)],
        "quarters": [quarter_period(current.previous(offset)) for offset in range(quarters)],
    }


# --- Thresholds and ratings --------------------------------------------------------------------


M, HIGHER = RagMeasure, RagDirection.HIGHER_IS_BETTER

RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green", "grey": "Not rated"}
# Worst first. A measure that cannot be rated (no figure) says less than one rated green.
RAG_ORDER = {"red": 0, "amber": 1, "grey": 2, "green": 3}
# NHS.UK tag colours; amber is the design system's yellow.
RAG_TAGS = {
    "red": "nhsuk-tag--red",
    "amber": "nhsuk-tag--yellow",
    "green": "nhsuk-tag--green",
    "grey": "nhsuk-tag--grey",
}


@dataclass(frozen=True)
class Rating:
    rag: str
    reason: str

    @property
    def label(self) -> str:
        return RAG_LABELS[self.rag]

    @property
    def tag_class(self) -> str:
        return RAG_TAGS[self.rag]


def number(value) -> str:
    value = Decimal(value)
    return f"{value.normalize() if value == value.to_integral() else value:f}"


def _limit(threshold: Threshold, colour: str, unit: str) -> str:
    value = f"{number(getattr(threshold, colour))}{unit}"
    if threshold.direction == HIGHER:
        return f"{colour} below {value}"
    return f"{colour} at {value} or more" if unit == "" else f"{colour} at {value} or above"


def rate(value, threshold: Threshold, described: str, unit: str = "") -> Rating:
    """Rate ``value`` and say why: "Red: 2 overdue recommendations from the visit of 3 March
    2026 (red at 2 or more)". ``described`` is the value in words."""
    if value is None:
        return Rating("grey", f"Not rated: {described}")
    value = Decimal(value)
    if threshold.direction == HIGHER:
        rag = "red" if value < threshold.red else "amber" if value < threshold.amber else "green"
    else:
        rag = "red" if value >= threshold.red else "amber" if value >= threshold.amber else "green"
    # Green says where rating starts; with no amber band (amber at red), that is red.
    shown = ("red" if threshold.amber == threshold.red else "amber") if rag == "green" else rag
    return Rating(rag, f"{RAG_LABELS[rag]}: {described} ({_limit(threshold, shown, unit)})")


def _rate_per_month(count: int, period: Period, threshold: Threshold, described: str) -> Rating:
    """Count thresholds are set per month: a quarter is rated on its monthly average, or a
    provider amber every month would be red every quarter."""
    if period.months == 1:
        return rate(count, threshold, described)
    average = Decimal(count) / period.months
    return rate(
        average, threshold, f"{described}, {number(average.quantize(Decimal('0.1')))} a month", " a month"
    )


# --- The view --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    url: str
    rating: Rating | None = None


@dataclass
class Domain:
    title: str
    rows: list[Row] = field(default_factory=list)
    note: str = ""
    name: str = ""  # the heading of the domain's column in the LMNS overview, if not the title
    # Where the overview's cell links: the domain's own page, if not its part of the quality view.
    url: str = ""

    @property
    def short_name(self) -> str:
        return self.name or self.title

    @property
    def worst(self) -> Rating | None:
        """The domain's worst rating, which the LMNS overview shows with its reason."""
        ratings = [row.rating for row in self.rows if row.rating]
        return min(ratings, key=lambda rating: RAG_ORDER[rating.rag]) if ratings else None


@dataclass
class SpcChart:
    title: str
    result: SpcResult
    # What the chart was drawn from, so that a snapshot can keep it and draw it again.
    months: list[date]
    values: list[float | None]
    unit: str
    spc: dict  # the keyword arguments given to lmns.spc.xmr

    @property
    def is_concern(self) -> bool:
        return self.result.variation.value.startswith("concern")

    @cached_property
    def table(self) -> list[tuple[str, str]]:
        """(month, value) for the text alternative; made only when shown, as the SVG is."""
        return [
            (f"{month:%B %Y}", format_number(value) + self.unit if value is not None else "No figure")
            for month, value in zip(self.months, self.values, strict=True)
        ]

    @cached_property
    def svg(self) -> SafeString:
        # Drawn only when shown: the LMNS overview reads every provider's results, not pictures.
        labels = [f"{month:%b %Y}" for month in self.months]
        # spc_svg escapes every text it is given.
        return mark_safe(spc_svg(self.result, labels=labels, title=self.title, units=self.unit.strip()))

    @property
    def has_data(self) -> bool:
        return any(point.value is not None for point in self.result.points)

    @property
    def variation_tag(self) -> str:
        # Making Data Count's colours: improvement blue, concern orange, neutral purple.
        kind = self.result.variation.value.partition("_")[0]
        return {"improving": "blue", "concern": "orange", "neither": "purple"}.get(kind, "grey")

    @property
    def assurance_tag(self) -> str:
        return {"pass": "blue", "fail": "orange"}.get(self.result.assurance.value, "grey")


@dataclass
class ProviderQuality:
    provider: Provider
    period: Period
    domains: list[Domain]
    charts: list[SpcChart]


def _plural(count: int, singular: str) -> str:
    return f"{count} {singular if count == 1 else singular + 's'}"


def _from_visits(items) -> str:
    dates = [f"{item.visit_on:%-d %B %Y}" for item in items]
    if not dates:
        return ""
    if len(dates) == 1:
        return f" from the visit of {dates[0]}"
    return f" from the visits of {', '.join(dates[:-1])} and {dates[-1]}"


def _sa10(part, url) -> Row:
    """A part of MIS safety action 10, which asks for every case: short of that is red."""
    if not part.of:
        return Row(f"MIS safety action 10: {part.label}", "None due", url)
    rag = "green" if part.met else "red"
    reason = f"{RAG_LABELS[rag]}: {part.done} of {part.of} (MIS safety action 10 asks for every case)"
    return Row(f"MIS safety action 10: {part.label}", f"{part.done} of {part.of}", url, Rating(rag, reason))


def _incidents(s, period, thresholds) -> Domain:
    rows = [Row("Incidents reported (by date occurred)", str(s.reported), s.reported_url)]
    rows += [Row(f"Harm: {item.label}", str(item.count), item.url) for item in s.by_harm]
    rows += [
        Row(
            "Moderate or worse harm (physical or psychological)",
            str(s.moderate_or_worse),
            s.moderate_or_worse_url,
            _rate_per_month(
                s.moderate_or_worse,
                period,
                thresholds[M.INCIDENTS_MODERATE_OR_WORSE],
                f"{_plural(s.moderate_or_worse, 'incident')} with moderate or worse harm, "
                f"physical or psychological, in {period.label}",
            ),
        ),
        Row("Referred to MNSI", str(s.mnsi_referrals), s.mnsi_url),
        Row("Notified to PMRT", str(s.pmrt_referrals), s.pmrt_url),
        *(_sa10(part, url) for part, url in s.sa10),
        Row(
            "Patient safety incident investigations open",
            str(s.psiis_open),
            s.psiis_url,
            rate(s.psiis_open, thresholds[M.PSIIS_OPEN], f"{_plural(s.psiis_open, 'PSII')} open today"),
        ),
        Row("Learning shared at the SSIG", str(s.learning_shared), s.learning_url),
        Row(
            "Safety actions overdue",
            str(s.actions_overdue),
            s.actions_url,
            rate(
                s.actions_overdue,
                thresholds[M.SAFETY_ACTIONS_OVERDUE],
                f"{_plural(s.actions_overdue, 'safety action')} overdue today",
            ),
        ),
    ]
    return Domain(
        "Incidents",
        rows,
        "Counts are of incidents that occurred in the period; open investigations and overdue "
        "actions are as they stand today.",
    )


def _compliance(positions, thresholds) -> Domain:
    domain = Domain("Compliance", note="Positions are as they stand today.")
    for position in positions:
        name = position.framework.name
        deadline = position.next_deadline
        due = f"; next deadline {deadline.name}, {deadline.due_on:%-d %B %Y}" if deadline else ""
        domain.rows.append(
            Row(
                f"{name}: actions met and verified by the LMNS",
                f"{position.verified} of {position.actions} "
                f"(self-assessed: {position.met} of {position.actions})",
                position.url,
                rate(
                    position.outstanding,
                    thresholds[M.COMPLIANCE_ACTIONS_OUTSTANDING],
                    f"{position.outstanding} of {position.actions} {name} actions not yet met and "
                    f"verified{due}",
                ),
            )
        )
        domain.rows.append(
            Row(
                f"{name}: action plans overdue",
                str(position.plans_overdue),
                position.plans_overdue_url,
                rate(
                    position.plans_overdue,
                    thresholds[M.COMPLIANCE_PLANS_OVERDUE],
                    f"{_plural(position.plans_overdue, 'action plan')} overdue in {name}",
                ),
            )
        )
    if not domain.rows:
        domain.note = "No compliance assessment has been started."
    return domain


def _visits(s, thresholds) -> Domain:
    last = s.last_visit
    overdue, immediate = s.overdue_recommendations, s.immediate_concerns
    return Domain(
        "Assurance visits",
        [
            Row(
                "Last visit",
                f"{last.visit_on:%-d %B %Y} ({last.get_visit_type_display()})" if last else "None yet",
                last.get_absolute_url() if last else s.visits_url,
            ),
            Row("Recommendations open", str(s.open_recommendations), s.open_url),
            Row(
                "Recommendations overdue",
                str(overdue),
                s.overdue_url,
                rate(
                    overdue,
                    thresholds[M.RECOMMENDATIONS_OVERDUE],
                    f"{_plural(overdue, 'overdue recommendation')}{_from_visits(s.overdue)}",
                ),
            ),
            Row(
                "Immediate safety concerns, visit not yet closed",
                str(immediate),
                s.immediate_url,
                rate(
                    immediate,
                    thresholds[M.IMMEDIATE_CONCERNS],
                    f"{_plural(immediate, 'immediate safety concern')}{_from_visits(s.immediate)}",
                ),
            ),
        ],
        "Recommendations and concerns are as they stand today.",
    )


UNITS = {"%": "%", "WTE": " WTE", "hours": " hours a week", "": ""}


def _workforce(summary, thresholds) -> Domain:
    domain = Domain(
        "Workforce",
        note=f"From the return for {summary.month:%B %Y}."
        if summary.workforce_return
        else f"No return for {summary.month:%B %Y} yet.",
    )
    for series in summary.series:
        measure, value = series.measure, series.latest
        unit = UNITS[measure.unit]
        shown = f"{number(value)}{unit}" if value is not None else "Not given"
        if value is not None and series.latest_name:
            shown += f" ({series.latest_name})"  # a training module's lowest staff group, named
        threshold = thresholds.get(measure.key)
        rating = None
        if threshold is not None:
            figure = shown if value is not None else f"no figure for {summary.month:%B %Y}"
            described = f"{measure.label}, {figure}"
            rating = rate(value, threshold, described, unit)
        domain.rows.append(Row(measure.label, shown, summary.return_url, rating))
    return domain


# The speaking-up domain's name: Freedom to Speak Up figures stay on the pages (not in the API).
SPEAKING_UP = "Speaking up"


def _speaking_up(s) -> Domain:
    return Domain(
        f"Speaking up, {s.quarter.label}",
        [Row("Concerns raised", s.raised, s.url)]
        + [Row(f"About: {label}", count, s.url) for label, count in s.by_category],
        s.note,
        name=SPEAKING_UP,
    )


PERINATAL = "Perinatal"


def _perinatal(s, period, thresholds) -> Domain:
    """Returns, the deaths a board reads first (with their denominators, counts only: the outcome
    signal's CUSUM rates them), and the signals with their critical safety checks."""
    overdue_months, awaited = s.overdue_months, s.awaited_months
    if overdue_months or not awaited:
        late = (
            f" ({', '.join(f'{m:%B %Y}' for m in overdue_months)})"
            if overdue_months and period.months > 1
            else ""
        )
        described = f"{_plural(len(overdue_months), 'monthly return')} overdue for {period.label}{late}"
        returns = rate(len(overdue_months), thresholds[M.PERINATAL_RETURNS_OVERDUE], described)
    else:  # a return not due yet is no failing, nor yet a figure
        due = return_due_on(awaited[-1])
        returns = Rating("grey", f"Not rated: the return for {awaited[-1]:%B %Y} is due by {due:%-d %B %Y}")
    rows = [Row("Monthly returns submitted", f"{len(s.returned)} of {len(s.months)}", s.return_url, returns)]
    rows += [
        Row(f"{item.rate.label} {item.rate.unit} {item.rate.denominator_words}", item.text, s.return_url)
        for item in s.rates
    ]
    open_signals, overdue = s.open_signals, s.overdue_signals
    # A signal's level is already a rating, from the CUSUM's amber and red thresholds (data, with
    # their source note) or from the national signal as received: the worst open one stands.
    worst = min(open_signals, key=lambda signal: RAG_ORDER[signal.level], default=None)
    if worst:
        signals = Rating(
            worst.level,
            f"{RAG_LABELS[worst.level]}: {worst.get_kind_display()}, {worst.get_measure_display().lower()} "
            f"at {worst.unit.name}, {worst.month:%B %Y}, its check due {worst.check_due_on:%-d %B %Y}",
        )
    else:
        signals = Rating("green", "Green: no outcome signal has its critical safety check open")
    # Overdue checks first: where a red signal's check is also overdue, the overview says so.
    due = f", due {overdue[0].check_due_on:%-d %B %Y}" if len(overdue) == 1 else ""
    rows.append(
        Row(
            "Critical safety checks overdue",
            str(len(overdue)),
            overdue[0].get_absolute_url() if len(overdue) == 1 else s.signals_url,
            rate(
                len(overdue),
                thresholds[M.SAFETY_CHECKS_OVERDUE],
                f"{_plural(len(overdue), 'critical safety check')} overdue today{due}",
            ),
        )
    )
    rows.append(
        Row(
            "Outcome signals with their check open",
            str(len(open_signals)),
            open_signals[0].get_absolute_url() if len(open_signals) == 1 else s.signals_url,
            signals,
        )
    )
    return Domain(
        "Perinatal returns, signals and checks",
        rows,
        "Rates are of the period's returns; signals and checks are as they stand today.",
        name=PERINATAL,
        url=s.url,
    )


def _chart(title, unit, values, months, **spc) -> SpcChart:
    floats = [float(value) if value is not None else None for value in values]
    return SpcChart(
        title=title,
        result=xmr(floats, **spc),
        months=list(months),
        values=floats,
        unit=unit,
        spc={key: str(value) if isinstance(value, Direction) else value for key, value in spc.items()},
    )


def provider_qualities(
    *, user, providers, period: Period, today: date | None = None
) -> list[ProviderQuality]:
    """Every domain of the quality view, rated, and an SPC chart for each monthly measure over
    the 24 months to the end of the period, for each provider in the order given. A fixed
    number of queries, whatever the data and however many providers: each figure is counted
    for all of them at once, grouped by provider. Providers ``user`` may not read are left out."""
    providers = access.readable(user, providers)
    if not providers:
        return []
    today = today or timezone.localdate()
    thresholds = thresholds_for(lmns_ids={provider.lmns_id for provider in providers}, on=period.last_day)
    months = [add_months(period.last_month, offset) for offset in range(1 - SPC_MONTHS, 1)]
    # Each summary reads only what ``user`` may (lmns.access.readable_among).
    incidents = incidents_quality.incident_summaries(
        user=user, providers=providers, start=period.start, end=period.end, today=today
    )
    reported = incidents_quality.reported_series(
        user=user, providers=providers, months=months, end=period.end
    )
    compliance = assurance_quality.compliance_summaries(user=user, providers=providers, today=today)
    visits = assurance_quality.visit_summaries(user=user, providers=providers, today=today)
    workforce = workforce_quality.workforce_summaries(user=user, providers=providers, months=months)
    speaking_up = workforce_quality.speaking_up_summaries(user=user, providers=providers, day=period.last_day)
    perinatal = perinatal_quality.perinatal_summaries(
        user=user, providers=providers, period=period, today=today
    )
    qualities = []
    for provider in providers:
        pk, rated = provider.pk, thresholds[provider.lmns_id]
        charts = [
            # More reporting is not worse care: no direction. A count cannot fall below zero.
            _chart("Incidents reported", "", reported[pk], months, direction=Direction.NEUTRAL, floor=0),
            # As the workforce page charts them (workforce.selectors.TrendRow), so the two agree.
            *(
                _chart(
                    s.measure.label,
                    UNITS[s.measure.unit],
                    s.values,
                    months,
                    direction=s.measure.direction,
                    target=s.measure.target_in(rated),
                )
                for s in workforce[pk].series
            ),
        ]
        domains = [
            _incidents(incidents[pk], period, rated),
            _compliance(compliance[pk], rated),
            _visits(visits[pk], rated),
            _workforce(workforce[pk], rated),
            _speaking_up(speaking_up[pk]),
            _perinatal(perinatal[pk], period, rated),
        ]
        qualities.append(ProviderQuality(provider=provider, period=period, domains=domains, charts=charts))
    return qualities


def provider_quality(
    *, user, provider: Provider, period: Period, today: date | None = None
) -> ProviderQuality:
    """One provider's quality view: ``provider_qualities`` for it alone."""
    (quality,) = provider_qualities(user=user, providers=[provider], period=period, today=today)
    return quality


# --- Snapshots: the view as data ------------------------------------------------------------------


def quality_as_data(quality: ProviderQuality) -> dict:
    """Everything the view shows, as JSON-ready data: a snapshot keeps this."""
    period = quality.period
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label,
                   "query": period.query},
        "domains": [
            {
                "title": domain.title,
                "name": domain.name,
                "note": domain.note,
                "url": domain.url,
                "rows": [
                    {"label": row.label, "value": row.value, "url": row.url,
                     "rag": row.rating.rag if row.rating else None,
                     "reason": row.rating.reason if row.rating else ""}
                    for row in domain.rows
                ],
            }
            for domain in quality.domains
        ],
        "charts": [
            {"title": chart.title, "unit": chart.unit, "values": chart.values, "spc": chart.spc,
             "months": [month.isoformat() for month in chart.months]}
            for chart in quality.charts
        ],
    }  # fmt: skip


def quality_from_data(provider: Provider, data: dict) -> ProviderQuality:
    """The view as it was when ``data`` was kept; charts are drawn again from their series."""
    period = data["period"]
    return ProviderQuality(
        provider=provider,
        period=Period(
            date.fromisoformat(period["start"]),
            date.fromisoformat(period["end"]),
            period["label"],
            period["query"],
        ),
        domains=[
            Domain(
                domain["title"],
                [
                    Row(row["label"], row["value"], row["url"],
                        Rating(row["rag"], row["reason"]) if row["rag"] else None)
                    for row in domain["rows"]
                ],
                domain["note"],
                domain["name"],
                domain.get("url", ""),  # kept since the perinatal domain's
            )
            for domain in data["domains"]
        ],
        charts=[
            _chart(chart["title"], chart["unit"], chart["values"],
                   [date.fromisoformat(month) for month in chart["months"]], **chart["spc"])
            for chart in data["charts"]
        ],
    )  # fmt: skip


# --- The LMNS overview ---------------------------------------------------------------------------


@dataclass
class Overview:
    period: Period
    domain_names: list[str]
    qualities: list[ProviderQuality]

    @property
    def concerns(self) -> list[tuple[Provider, SpcChart]]:
        """Every monthly measure, anywhere in the LMNS, whose latest point is special cause concern."""
        return [
            (quality.provider, chart)
            for quality in self.qualities
            for chart in quality.charts
            if chart.is_concern
        ]


def lmns_overview(*, user, providers, period: Period, today: date | None = None) -> Overview:
    """Providers by domains, each cell the domain's worst rating and its reason, in the same
    number of queries however many providers there are."""
    qualities = provider_qualities(user=user, providers=providers, period=period, today=today)
    names = [domain.short_name for domain in qualities[0].domains] if qualities else []
    return Overview(period=period, domain_names=names, qualities=qualities)
