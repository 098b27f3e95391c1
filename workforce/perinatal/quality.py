"""The perinatal section of the provider quality view (quality.quality's pages read it from here).

The period's deaths and rates come from the monthly returns of its months, summed over the
months and the provider's birth sites, each rate with its count and denominator; the signals
are the provider's open critical safety checks and any signal raised in the period, overdue
checks first, each naming its site.

``perinatal_summaries`` gives the LMNS overview's heat map its perinatal column: the same
figures for every provider at once, in a fixed number of queries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from lmns.access import readable_among
from lmns.models import Provider
from lmns.months import add_months
from workforce.models import return_due_on
from workforce.perinatal.models import (
    COUNT_FIELDS,
    RATES,
    RATES_BY_KEY,
    OutcomeSignal,
    PerinatalFigures,
    PerinatalReturn,
    Rate,
)
from workforce.perinatal.reference import SignalReference, signal_reference
from workforce.perinatal.selectors import figure_sums, figures_by, figures_of

# The board's monthly picture leads with deaths and their reviews (domain.md section 3.2).
DEATH_COUNTS = [
    ("stillbirths", "Stillbirths"),
    ("neonatal_deaths", "Neonatal deaths"),
    ("late_fetal_losses", "Late fetal losses (22+0 to 23+6)"),
    ("pmrt_reviews", "Perinatal deaths reviewed with PMRT"),
]


@dataclass(frozen=True)
class RateRow:
    rate: Rate
    text: str  # the rate with its count and denominator, in words


@dataclass(frozen=True)
class PerinatalSection:
    provider: Provider
    start: date
    end: date  # the first day after the period
    months_returned: int
    months: int
    deaths: list[tuple[str, int]]
    rates: list[RateRow]
    rota_gaps: int  # shifts on the obstetric medical rota not filled, over the period
    signals: list[OutcomeSignal]
    overdue: int
    reference: SignalReference
    url: str  # the provider's perinatal page
    return_url: str | None  # the month's return, for a one-month period that has one

    @property
    def records_url(self) -> str:
        return self.return_url or self.url


def provider_section(*, user, provider: Provider, period, today: date | None = None) -> PerinatalSection:
    """The perinatal section for one provider and period (a month or a quarter), in two queries."""
    today = today or timezone.localdate()
    scope = readable_among(user, [provider])
    returns = PerinatalReturn.objects.filter(
        workforce_return__provider__in=scope,
        workforce_return__month__gte=period.start,
        workforce_return__month__lt=period.end,
    )
    returned = returns.aggregate(
        months_returned=Count("workforce_return", distinct=True),
        return_id=Max("workforce_return_id"),
        **figure_sums(),
    )
    totals = figures_of(returned)
    signals = list(
        OutcomeSignal.objects.filter(provider__in=scope)
        .filter_open_or_raised(period.start, period.end)
        .select_related("unit")
        .order_by("check_completed_on", "check_due_on")
    )
    signals.sort(key=lambda s: (not s.is_overdue, s.is_complete, s.check_due_on))
    return PerinatalSection(
        provider=provider,
        start=period.start,
        end=period.end,
        months_returned=returned["months_returned"] or 0,
        months=period.months,
        deaths=[(label, getattr(totals, name)) for name, label in DEATH_COUNTS],
        rates=[RateRow(rate, rate.describe(totals)) for rate in RATES],
        rota_gaps=totals.obstetric_rota_gaps,
        signals=signals,
        overdue=sum(signal.is_overdue for signal in signals),
        reference=signal_reference(),
        url=reverse("workforce:perinatal", kwargs={"ods_code": provider.ods_code}),
        return_url=(
            reverse("workforce:return-detail", kwargs={"pk": returned["return_id"]})
            if period.months == 1 and returned["return_id"]
            else None
        ),
    )


def lmns_signals(*, user, providers, period) -> list[OutcomeSignal]:
    """For the LMNS overview: every provider's open checks and signals raised in the period,
    overdue first, in one query."""
    signals = list(
        OutcomeSignal.objects.filter(provider__in=readable_among(user, providers))
        .filter_open_or_raised(period.start, period.end)
        .select_related("provider", "unit")
    )
    signals.sort(key=lambda s: (not s.is_overdue, s.is_complete, s.check_due_on, s.provider.name))
    return signals


# --- For every provider at once: the quality view's perinatal domain -------------------------------

# The rates the heat map's perinatal domain shows beside its ratings: the deaths a board reads first.
SUMMARY_RATES = [RATES_BY_KEY["stillbirth_rate"], RATES_BY_KEY["neonatal_death_rate"]]


@dataclass
class PerinatalSummary:
    provider: Provider
    months: list[date]  # the period's months
    today: date  # what is overdue is overdue on this day
    returned: dict[date, int] = field(default_factory=dict)  # month -> the return's workforce return pk
    sums: dict = field(default_factory=dict)  # count field -> the period's sum over months and sites
    signals: list[OutcomeSignal] = field(default_factory=list)  # open, or raised in the period

    @property
    def overdue_months(self) -> list[date]:
        """The period's months whose return is past its due date and not yet in."""
        return [m for m in self.months if m not in self.returned and self.today > return_due_on(m)]

    @property
    def awaited_months(self) -> list[date]:
        """The period's months whose return is not in and not yet due."""
        return [m for m in self.months if m not in self.returned and self.today <= return_due_on(m)]

    @property
    def rates(self) -> list[RateRow]:
        totals = PerinatalFigures(self.sums)
        return [RateRow(rate, rate.describe(totals)) for rate in SUMMARY_RATES]

    @property
    def open_signals(self) -> list[OutcomeSignal]:
        return [signal for signal in self.signals if not signal.is_complete]

    @property
    def overdue_signals(self) -> list[OutcomeSignal]:
        # Against the day given, as the rest of the quality view is, not the clock.
        return [signal for signal in self.open_signals if self.today > signal.check_due_on]

    @property
    def url(self) -> str:
        """The provider's perinatal page: its signal log first, then its rates over time."""
        return reverse("workforce:perinatal", kwargs={"ods_code": self.provider.ods_code})

    @property
    def signals_url(self) -> str:
        return self.url + "#signals"

    @property
    def return_url(self) -> str:
        """The month's return, or the provider's returns where a quarter or a missing return is asked."""
        if len(self.months) == 1 and self.months[0] in self.returned:
            return reverse("workforce:return-detail", kwargs={"pk": self.returned[self.months[0]]})
        return reverse("workforce:provider", kwargs={"ods_code": self.provider.ods_code})


def perinatal_summaries(*, user, providers, period, today: date | None = None) -> dict[int, PerinatalSummary]:
    """Each provider's returns, summed deaths and births, and signals (open, or raised in the
    period), by provider pk, in two queries however many providers there are."""
    today = today or timezone.localdate()
    months = [add_months(period.start, offset) for offset in range(period.months)]
    summaries = {
        provider.pk: PerinatalSummary(provider=provider, months=months, today=today) for provider in providers
    }
    # Sites are summed in SQL, a provider's month at a time; a quarter's (at most three) months
    # here, so that the months returned come with their figures in the one query.
    scope = readable_among(user, providers)
    returns = PerinatalReturn.objects.filter(
        workforce_return__provider__in=scope,
        workforce_return__month__gte=period.start,
        workforce_return__month__lt=period.end,
    )
    for (provider, month, workforce_return), figures in figures_by(
        returns, "workforce_return__provider", "workforce_return__month", "workforce_return"
    ).items():
        summary = summaries[provider]
        summary.returned[month] = workforce_return
        for name in COUNT_FIELDS:
            summary.sums[name] = summary.sums.get(name, 0) + getattr(figures, name)
    by_provider = defaultdict(list)
    for signal in (
        OutcomeSignal.objects.filter(provider__in=scope)
        .filter_open_or_raised(period.start, period.end)
        .select_related("unit")
        .order_by("check_due_on", "pk")
    ):
        by_provider[signal.provider_id].append(signal)
    for pk, signals in by_provider.items():
        summaries[pk].signals = signals
    return summaries
