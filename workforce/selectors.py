"""Reads that carry rules: month-on-month checks, trends, lateness, and FTSU counts.

FTSU counts are the one place concerns are read outside ``FtsuConcern.visible_to``:
they hold numbers only, of complete quarters only, with 1 to 4 shown as "<5" and larger
numbers rounded to the nearest 5 (``suppress``), so that a count cannot point at a person.
Neither reads a summary or contact details.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path

import yaml
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.safestring import mark_safe

from lmns.access import ftsu_concern_readers, lmnss_staffed_by, providers_for
from lmns.models import Provider
from lmns.months import add_months, first_of_month
from lmns.spc import SpcResult, xmr
from lmns.spc_chart import spc_svg
from lmns.thresholds import thresholds_for
from workforce.models import (
    MEASURES,
    FtsuCategory,
    FtsuConcern,
    Measure,
    ProfessionalGroup,
    RaisedAs,
    ReceivedBy,
    WorkforceReturn,
    return_due_on,
)

SUPPRESSED = "<5"


def suppress(count: int) -> str:
    """A count safe to show to someone who may not read the concerns behind it.

    1 to 4 is "<5", and anything larger is rounded to the nearest 5: were larger counts
    exact, a category's "<5" could be worked out by subtracting the other exact counts
    shown beside it from the total.
    """
    if count == 0:
        return "0"
    if count < 5:
        return SUPPRESSED
    return str(5 * ((count + 2) // 5))


def format_value(value, unit: str) -> str:
    if value is None:
        return "Not given"
    if isinstance(value, Decimal):
        value = value.normalize() if value == value.to_integral() else value
        value = f"{value:f}"
    return {"%": f"{value}%", "WTE": f"{value} WTE", "hours": f"{value} hours a week"}.get(unit, str(value))


# --- Workforce returns ---------------------------------------------------------------------


def return_flags(*, workforce_return: WorkforceReturn) -> list[str]:
    """Measures that moved implausibly far since the provider's previous month, in words."""
    previous = WorkforceReturn.objects.filter(
        provider_id=workforce_return.provider_id, month=add_months(workforce_return.month, -1)
    ).first()
    if previous is None:
        return []
    flags = []
    for measure in MEASURES:
        if measure.jump is None:
            continue
        now, before = measure.of(workforce_return), measure.of(previous)
        if now is None or before is None:
            continue
        change = Decimal(now) - Decimal(before)
        if measure.unit == "%":
            implausible = abs(change) > measure.jump
        else:
            implausible = before > 0 and abs(change) / Decimal(before) > measure.jump
        if implausible:
            flags.append(
                f"{measure.label}: {format_value(before, measure.unit)} in {previous.month:%B %Y}, "
                f"{format_value(now, measure.unit)} now."
            )
    return flags


def return_summary(workforce_return: WorkforceReturn) -> list[tuple[str, list[tuple[str, str]]]]:
    """A return's figures in words, by section, with each derived rate beside its counts."""
    r = workforce_return

    def of(part, whole, rate, words=""):
        return f"{format_value(rate, '%')} ({part} of {whole}{words})" if rate is not None else "No figures"

    birthrate_plus = (
        f"{format_value(r.birthrate_plus_wte, 'WTE')}, assessed {r.birthrate_plus_on:%B %Y}"
        if r.birthrate_plus_wte is not None
        else "Not given"
    )
    return [
        (
            "Midwifery establishment",
            [
                ("Funded establishment", format_value(r.funded_midwife_wte, "WTE")),
                ("In post", format_value(r.in_post_midwife_wte, "WTE")),
                ("Vacancy rate", format_value(r.vacancy_rate, "%")),
                ("Birthrate Plus recommendation", birthrate_plus),
                ("Turnover, rolling 12 months", format_value(r.turnover_rate, "%")),
            ],
        ),
        (
            "Maternity support workers",
            [
                ("Funded establishment", format_value(r.funded_msw_wte, "WTE")),
                ("In post", format_value(r.in_post_msw_wte, "WTE")),
                ("Vacancy rate", format_value(r.msw_vacancy_rate, "%")),
            ],
        ),
        (
            "Care in labour",
            [
                (
                    "1:1 care in established labour",
                    of(r.one_to_one_care, r.women_in_labour, r.one_to_one_rate),
                ),
                (
                    "Coordinator supernumerary",
                    of(r.supernumerary_shifts, r.coordinator_shifts, r.supernumerary_rate, " shifts"),
                ),
                ("Consultant presence on the labour ward", format_value(r.consultant_hours, "hours")),
            ],
        ),
        (
            "Preceptorship and retention",
            [
                ("Midwives on preceptorship", str(r.preceptees)),
                ("Retention or pastoral midwife in post", "Yes" if r.retention_midwife else "No"),
            ],
        ),
    ]


@dataclass
class TrendRow:
    measure: Measure
    months: list[date]
    values: list  # one per month, None where there is no return or no figure
    # Whose figure each month's value is, where it is one group's of several (the lowest staff
    # group of a training module); empty strings otherwise.
    names: list = field(default_factory=list)
    # The chart's target line: the measure's threshold in force for the chart's last month.
    target: float | None = None

    @property
    def latest_named(self) -> tuple[date, str, object] | None:
        """The latest month with a named figure: (month, name, value)."""
        for month, name, value in reversed(list(zip(self.months, self.names, self.values, strict=False))):
            if name and value is not None:
                return month, name, value
        return None

    @property
    def formatted(self):
        """Figures without their unit, which the row's heading gives once."""
        return [format_value(value, "") if value is not None else "" for value in self.values]

    @cached_property
    def spc(self) -> SpcResult:
        """The measure as Making Data Count charts it: an XmR chart once there are enough months."""
        return xmr(
            [None if value is None else float(value) for value in self.values],
            direction=self.measure.direction,
            target=self.target,
        )

    @cached_property
    def chart(self) -> str:
        # spc_svg escapes every text it is given, so its output is safe to insert as is.
        return mark_safe(
            spc_svg(
                self.spc,
                labels=[f"{month:%b %Y}" for month in self.months],
                title=f"{self.measure.label}, {self.months[0]:%B %Y} to {self.months[-1]:%B %Y}",
                units=self.measure.unit,
                chart_id=f"chart-{self.measure.key}",
            )
        )


# Two years: Making Data Count wants 15 or more points before it draws process limits.
TREND_MONTHS = 24


def provider_trends(*, provider: Provider, months: int = TREND_MONTHS, end: date | None = None):
    """The last ``months`` months up to ``end`` (default: this month), each measure's value
    in each, its target in force at the end of that month, and the returns themselves (newest
    first)."""
    end = first_of_month(end or timezone.localdate())
    month_list = [add_months(end, offset) for offset in range(-months + 1, 1)]
    on = add_months(end, 1) - timedelta(days=1)
    thresholds = thresholds_for(lmns_ids={provider.lmns_id}, on=on)[provider.lmns_id]
    returns = list(
        WorkforceReturn.objects.filter(
            provider=provider, month__gte=month_list[0], month__lte=end
        ).with_training()
    )
    by_month = {r.month: r for r in returns}
    rows = [
        TrendRow(
            measure=measure,
            months=month_list,
            values=[measure.of(by_month[m]) if m in by_month else None for m in month_list],
            names=[measure.name_of(by_month[m]) if m in by_month else "" for m in month_list],
            target=measure.target_in(thresholds),
        )
        for measure in MEASURES
    ]
    return month_list, rows, sorted(returns, key=lambda r: r.month, reverse=True)


@dataclass
class ReturnState:
    month: date
    due_on: date
    workforce_return: WorkforceReturn | None

    @property
    def label(self) -> str:
        if self.workforce_return is None:
            return "Overdue" if timezone.localdate() > self.due_on else "Not yet submitted"
        return "Submitted late" if self.workforce_return.is_late else "Submitted"

    @property
    def tag(self) -> str:
        return {"Overdue": "red", "Submitted late": "orange", "Submitted": "green"}.get(self.label, "grey")


def latest_due_month(today: date | None = None) -> date:
    """The most recent month whose return is now due or past due."""
    today = today or timezone.localdate()
    month = add_months(first_of_month(today), -1)
    return month if today > return_due_on(month) else add_months(month, -1)


def returns_overview(*, user, months: int = 3, today: date | None = None):
    """For each provider the user can see: the state of the returns for the last ``months``
    months that have ended (the newest may not be due yet; the current month cannot be sent)."""
    newest = add_months(first_of_month(today or timezone.localdate()), -1)
    month_list = [add_months(newest, -offset) for offset in range(months)]
    providers = list(Provider.objects.visible_to(user).order_by("name"))
    returns = {
        (r.provider_id, r.month): r
        for r in WorkforceReturn.objects.filter(provider__in=providers, month__in=month_list)
    }
    return month_list, [
        (
            provider,
            [ReturnState(m, return_due_on(m), returns.get((provider.pk, m))) for m in month_list],
        )
        for provider in providers
    ]


# --- Freedom to Speak Up counts ------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of the NHS financial year (April to March), as the FTSU collection reports them."""

    year: int  # the calendar year the financial year starts in
    number: int  # 1 = April to June ... 4 = January to March

    @classmethod
    def of(cls, day: date) -> "Quarter":
        months_since_april = (day.month - 4) % 12
        return cls(day.year if day.month >= 4 else day.year - 1, months_since_april // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> "Quarter | None":
        """'2026-Q1' (the quarter's slug) or None."""
        try:
            year, number = text.split("-Q")
            quarter = cls(int(year), int(number))
        except (ValueError, AttributeError):
            return None
        return quarter if 1 <= quarter.number <= 4 and 2000 <= quarter.year <= 2100 else None

    @property
    def start(self) -> date:
        return add_months(date(self.year, 4, 1), 3 * (self.number - 1))

    @property
    def end(self) -> date:
        """The first day after the quarter."""
        return add_months(self.start, 3)

    @property
    def slug(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        last = add_months(self.end, -1)
        return f"Q{self.number} {self.year}/{(self.year + 1) % 100:02d} ({self.start:%B} to {last:%B %Y})"

    @property
    def short_label(self) -> str:
        return f"Q{self.number} {self.year}/{(self.year + 1) % 100:02d}"

    def previous(self, count: int = 1) -> "Quarter":
        return Quarter.of(add_months(self.start, -3 * count))


def recent_quarters(count: int = 4, today: date | None = None) -> list[Quarter]:
    """The last ``count`` complete quarters, oldest first: the only ones counts are shown for.

    A count of the quarter in progress would change on the day a concern is raised, so
    anyone watching it could tell when, and from that often who.
    """
    current = Quarter.of(today or timezone.localdate())
    return [current.previous(offset) for offset in range(count, 0, -1)]


def quarters_to_date(count: int = 8, today: date | None = None) -> list[Quarter]:
    """The last ``count`` quarters including the one in progress, for the FTSU return, whose
    readers (guardians, the FTSU lead) can read the concerns it counts."""
    current = Quarter.of(today or timezone.localdate())
    return [current.previous(offset) for offset in range(count - 1, -1, -1)]


def latest_complete_quarter(day: date) -> Quarter:
    """The latest quarter that had ended by the end of ``day``, and has ended by today."""
    cutoff = min(day + timedelta(days=1), timezone.localdate())
    return Quarter.of(cutoff).previous()


def in_complete_quarter(quarter: Quarter) -> Q:
    """Concerns received in ``quarter``, which must have ended: a count that moves shows the
    day a concern was raised."""
    if quarter.end > timezone.localdate():
        raise ValueError("Concern counts are shown for complete quarters only.")
    return Q(received_on__gte=quarter.start, received_on__lt=quarter.end)


def received_by_guardians(providers):
    """The concerns counted on providers' pages: those their own guardians received. Were
    concerns raised with the LMNS in it too, a guardian could subtract the ones they read and
    learn how many of their colleagues went to the LMNS instead."""
    return FtsuConcern.objects.filter(provider__in=providers, received_by=ReceivedBy.PROVIDER)


def _windows(quarters: list[Quarter]) -> dict:
    return {quarter.slug: Count("pk", filter=in_complete_quarter(quarter)) for quarter in quarters}


def ftsu_counts(*, user, quarters: list[Quarter]):
    """Concerns raised per provider the user can see, per complete quarter, suppressed.

    Everyone who can see a provider sees these; nothing but the numbers. A provider's row
    counts only the concerns its own guardians received: were concerns raised with the LMNS
    in it too, a guardian could subtract the ones they read and learn how many of their
    colleagues went to the LMNS instead. Those are one row per LMNS, for LMNS staff only.
    No total is shown: with the rows beside it, a total could undo the suppression.
    """
    windows = _windows(quarters)
    received = dict(
        (row.pop("provider"), row)
        for row in received_by_guardians(providers_for(user))
        .values("provider")
        .annotate(**windows)
        .order_by()
    )
    rows = [
        (provider.name, [suppress(received.get(provider.pk, {}).get(q.slug, 0)) for q in quarters])
        for provider in Provider.objects.visible_to(user).order_by("name")
    ]
    for lmns in lmnss_staffed_by(user).order_by("name"):
        raised = FtsuConcern.objects.filter(lmns=lmns, received_by=ReceivedBy.LMNS).aggregate(**windows)
        rows.append(
            (
                f"Raised with {lmns.name} directly (about any provider, or none named)",
                [suppress(raised[q.slug]) for q in quarters],
            )
        )
    return rows


def provider_ftsu_counts(*, provider: Provider, quarters: list[Quarter]) -> list[str]:
    """Concerns the provider's own guardians received in each of ``quarters`` (complete
    quarters only), suppressed as ``ftsu_counts`` suppresses them: for pages, like the
    pre-visit pack, that anyone who sees the provider reads."""
    counts = received_by_guardians([provider]).aggregate(**_windows(quarters))
    return [suppress(counts[quarter.slug]) for quarter in quarters]


@dataclass
class LatestFigure:
    measure: Measure
    month: date | None  # of the latest return that gives the figure
    value: object
    variation: str  # Making Data Count's reading of the trend, in words
    name: str = ""  # whose figure: a training module's lowest staff group

    @property
    def formatted(self) -> str:
        shown = format_value(self.value, self.measure.unit)
        return f"{shown} ({self.name})" if self.name and self.value is not None else shown


def latest_figures(*, provider: Provider, end: date | None = None) -> list[LatestFigure]:
    """Each measure's latest figure and what its two-year SPC chart shows, in two queries."""
    _months, rows, _returns = provider_trends(provider=provider, end=end)
    figures = []
    for row in rows:
        pairs = zip(row.months, row.values, strict=True)
        known = [(month, value) for month, value in pairs if value is not None]
        month, value = known[-1] if known else (None, None)
        name = row.names[row.months.index(month)] if known else ""
        figures.append(
            LatestFigure(row.measure, month, value, row.spc.variation.label if known else "", name)
        )
    return figures


@dataclass
class FtsuReturnRow:
    """One organisation and route's line of the quarterly Freedom to Speak Up return."""

    organisation: str
    received_by: str
    total: int = 0
    raised_as: Counter = field(default_factory=Counter)
    categories: Counter = field(default_factory=Counter)
    detriment: int = 0
    groups: Counter = field(default_factory=Counter)

    @property
    def open(self):
        return self.raised_as[RaisedAs.OPEN]

    @property
    def confidential(self):
        return self.raised_as[RaisedAs.CONFIDENTIAL]

    @property
    def anonymous(self):
        return self.raised_as[RaisedAs.ANONYMOUS]

    def counts_by_group(self, groups) -> list[int]:
        return [self.groups[group.code] for group in groups]

    def count(self, name: str):
        """The figure a column of the return layout names (see ftsu_return.yaml)."""
        if name.startswith("category:"):
            return self.categories[name.removeprefix("category:")]
        return getattr(self, name)


RETURN_LAYOUT_FILE = Path(__file__).with_name("ftsu_return.yaml")
_COUNTS = {"organisation", "received_by", "total", "open", "confidential", "anonymous", "detriment"}


@dataclass(frozen=True)
class ReturnLayout:
    collection: str
    source: str
    checked: bool
    headings: list[str]
    counts: list[str]

    def table(self, rows: list[FtsuReturnRow]) -> list[list]:
        return [[row.count(name) for name in self.counts] for row in rows]


@cache
def return_layout() -> ReturnLayout:
    """The return's columns, from a data file that follows the collection's specification."""
    data = yaml.safe_load(RETURN_LAYOUT_FILE.read_text(encoding="utf-8"))
    # Codes never change and rows are never deleted, so a layout checked once stays valid.
    categories = FtsuCategory.objects.filter(lmns__isnull=True).values_list("code", flat=True)
    known = _COUNTS | {f"category:{code}" for code in categories}
    columns = data["columns"]
    if unknown := [column["count"] for column in columns if column["count"] not in known]:
        raise ImproperlyConfigured(
            f"{RETURN_LAYOUT_FILE.name} names counts it cannot have: {', '.join(unknown)}"
        )
    return ReturnLayout(
        collection=data["collection"],
        source=data["source"],
        checked=bool(data["checked"]),
        headings=[column["heading"] for column in columns],
        counts=[column["count"] for column in columns],
    )


def concern_handlers(*, concern: FtsuConcern):
    """People who may handle ``concern``: those who can read it, other than its handler now."""
    return (
        ftsu_concern_readers(concern)
        .exclude(pk=concern.handler_id)
        .order_by("first_name", "last_name", "username")
    )


def ftsu_return(*, user, quarter: Quarter) -> list[FtsuReturnRow]:
    """Counts of the concerns the user may read, received in ``quarter``, for the FTSU return:
    one row per provider and route, exact (the readers know the cases already)."""
    in_quarter = FtsuConcern.objects.visible_to(user).filter(
        received_on__gte=quarter.start, received_on__lt=quarter.end
    )
    concerns = in_quarter.values_list(
        "pk",
        "lmns__name",
        "provider__name",
        "received_by",
        "raised_as",
        "professional_group",
        "detriment_reported",
    )
    categories: dict[int, list[str]] = {}
    links = FtsuConcern.categories.through.objects.filter(ftsuconcern__in=in_quarter.values("pk"))
    for concern_pk, code in links.values_list("ftsuconcern_id", "ftsucategory__code"):
        categories.setdefault(concern_pk, []).append(code)
    rows: dict[tuple, FtsuReturnRow] = {}
    for pk, lmns_name, provider_name, received_by, raised_as, group, detriment in concerns:
        key = (provider_name or "", received_by, lmns_name)
        if key not in rows:
            rows[key] = FtsuReturnRow(
                organisation=provider_name or f"{lmns_name} (no provider named)",
                received_by=ReceivedBy(received_by).label,
            )
        row = rows[key]
        row.total += 1
        row.raised_as[raised_as] += 1
        row.groups[group] += 1
        row.detriment += int(detriment)
        row.categories.update(categories.get(pk, []))
    return [rows[key] for key in sorted(rows, key=lambda k: (k[2], k[0] == "", k[0], k[1]))]


def return_groups(*, user, rows: list[FtsuReturnRow]) -> list[ProfessionalGroup]:
    """The professional groups the return counts, in their order: those that can be chosen in
    the user's LMNSs, and any retired or local one a counted case holds, so that no case drops
    out of the total by group."""
    counted = set().union(*(row.groups for row in rows)) if rows else set()
    return list(
        ProfessionalGroup.objects.filter(
            Q(pk__in=ProfessionalGroup.objects.visible_to(user).active()) | Q(code__in=counted)
        ).order_by("order", "label")
    )
