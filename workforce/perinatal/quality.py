"""The perinatal section of the provider quality view (lmns.quality's pages read it from here).

The period's deaths and rates come from the monthly returns of its months, summed, each rate
with its count and denominator; the signals are the provider's open critical safety checks
and any signal raised in the period, overdue checks first.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Sum
from django.urls import reverse
from django.utils import timezone

from lmns.models import Provider
from workforce.perinatal.models import RATES, OutcomeSignal, PerinatalReturn, Rate
from workforce.perinatal.reference import SignalReference, signal_reference

# The board's monthly picture leads with deaths and their reviews (domain.md section 3.2).
DEATH_COUNTS = [
    ("stillbirths", "Stillbirths"),
    ("neonatal_deaths", "Neonatal deaths"),
    ("late_fetal_losses", "Late fetal losses (22+0 to 23+6)"),
    ("pmrt_reviews", "Perinatal deaths reviewed with PMRT"),
]
_SUMMED = sorted(
    {name for name, _ in DEATH_COUNTS}
    | {"live_births", "stillbirths", "term_births", "term_stillbirths"}
    | {rate.numerator for rate in RATES}
    | {rate.denominator for rate in RATES if rate.denominator not in {"total_births", "term_live_births"}}
)


class _Totals:
    """A period's summed counts, with the same derived denominators as one return."""

    def __init__(self, sums: dict):
        for name in _SUMMED:
            setattr(self, name, sums.get(name) or 0)
        self.total_births = self.live_births + self.stillbirths
        self.term_live_births = max(0, self.term_births - self.term_stillbirths)


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
    signals: list[OutcomeSignal]
    overdue: int
    reference: SignalReference
    url: str  # the provider's perinatal page
    return_url: str | None  # the month's return, for a one-month period that has one

    @property
    def records_url(self) -> str:
        return self.return_url or self.url


def provider_section(*, provider: Provider, period, today: date | None = None) -> PerinatalSection:
    """The perinatal section for one provider and period (a month or a quarter), in two queries."""
    today = today or timezone.localdate()
    returns = PerinatalReturn.objects.filter(
        workforce_return__provider=provider,
        workforce_return__month__gte=period.start,
        workforce_return__month__lt=period.end,
    )
    sums = returns.aggregate(
        months_returned=Count("pk"),
        return_id=Max("workforce_return_id"),
        **{name: Sum(name) for name in _SUMMED},
    )
    totals = _Totals(sums)
    signals = list(
        OutcomeSignal.objects.filter(provider=provider)
        .filter_open_or_raised(period.start, period.end)
        .order_by("check_completed_on", "check_due_on")
    )
    signals.sort(key=lambda s: (not s.is_overdue, s.is_complete, s.check_due_on))
    return PerinatalSection(
        provider=provider,
        start=period.start,
        end=period.end,
        months_returned=sums["months_returned"] or 0,
        months=period.months,
        deaths=[(label, getattr(totals, name)) for name, label in DEATH_COUNTS],
        rates=[RateRow(rate, rate.describe(totals)) for rate in RATES],
        signals=signals,
        overdue=sum(signal.is_overdue for signal in signals),
        reference=signal_reference(),
        url=reverse("workforce:perinatal", kwargs={"ods_code": provider.ods_code}),
        return_url=(
            reverse("workforce:return-detail", kwargs={"pk": sums["return_id"]})
            if period.months == 1 and sums["return_id"]
            else None
        ),
    )


def lmns_signals(*, providers, period) -> list[OutcomeSignal]:
    """For the LMNS overview: every provider's open checks and signals raised in the period,
    overdue first, in one query."""
    signals = list(
        OutcomeSignal.objects.filter(provider__in=[provider.pk for provider in providers])
        .filter_open_or_raised(period.start, period.end)
        .select_related("provider")
    )
    signals.sort(key=lambda s: (not s.is_overdue, s.is_complete, s.check_due_on, s.provider.name))
    return signals
