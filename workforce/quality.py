"""The workforce and speaking-up figures for the quality view (lmns.quality).

Speaking up appears as counts only, of a complete quarter, suppressed as everywhere outside
the guardian's own view (``selectors.suppress``): the quality view is read by everyone who
can see the provider.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.urls import reverse

from lmns.models import Provider
from workforce.models import CATEGORIES, MEASURES, Measure, WorkforceReturn
from workforce.selectors import (
    Quarter,
    in_complete_quarter,
    latest_complete_quarter,
    received_by_guardians,
    suppress,
)


@dataclass(frozen=True)
class MeasureSeries:
    measure: Measure
    values: list  # one per month asked for, None where there is no return or no figure

    @property
    def latest(self):
        return self.values[-1]


@dataclass(frozen=True)
class WorkforceSummary:
    month: date  # the month rated: the last of those asked for
    workforce_return: WorkforceReturn | None
    provider_url: str
    series: list[MeasureSeries]

    @property
    def return_url(self) -> str:
        return self.workforce_return.get_absolute_url() if self.workforce_return else self.provider_url


def workforce_summary(*, provider: Provider, months: list[date]) -> WorkforceSummary:
    """Every monthly measure over ``months`` (first-of-month dates, oldest first), in one query."""
    by_month = {
        item.month: item
        for item in WorkforceReturn.objects.filter(
            provider=provider, month__gte=months[0], month__lte=months[-1]
        )
    }
    series = [
        MeasureSeries(
            measure=measure,
            values=[measure.of(by_month[month]) if month in by_month else None for month in months],
        )
        for measure in MEASURES
    ]
    return WorkforceSummary(
        month=months[-1],
        workforce_return=by_month.get(months[-1]),
        provider_url=reverse("workforce:provider", kwargs={"ods_code": provider.ods_code}),
        series=series,
    )


SPEAKING_UP_NOTE = (
    "Concerns raised with the provider's own Freedom to Speak Up guardians in {quarter}, the latest "
    "complete quarter; concerns raised with the LMNS directly are not counted here. Counts only: "
    "from 1 to 4 shown as <5, others rounded to the nearest 5, so that no one can be identified. "
    "A concern may be about several things. Not rated: more people speaking up is not a sign of "
    "worse care."
)


@dataclass(frozen=True)
class SpeakingUpSummary:
    quarter: Quarter  # the latest complete quarter at or before the day asked about
    raised: str  # suppressed counts: "0", "<5", or rounded to the nearest 5
    by_category: list[tuple[str, str]]  # (category, suppressed count)
    url: str

    @property
    def note(self) -> str:
        """What the counts are, in words, for the page that shows them."""
        return SPEAKING_UP_NOTE.format(quarter=self.quarter.label)


def speaking_up_summary(*, provider: Provider, day: date) -> SpeakingUpSummary:
    """Concerns the provider's own guardians received in the latest complete quarter at or
    before ``day``, in one query: the same concerns as the speaking-up page's row for the
    provider (``received_by_guardians``, ``in_complete_quarter``), so the two pages agree. A
    concern may be about several categories.
    """
    quarter = latest_complete_quarter(day)
    counts = (
        received_by_guardians(provider)
        .filter(in_complete_quarter(quarter))
        .aggregate(
            raised=Count("pk"),
            **{key: Count("pk", filter=Q(**{f"cat_{key}": True})) for key, _label in CATEGORIES},
        )
    )
    return SpeakingUpSummary(
        quarter=quarter,
        raised=suppress(counts["raised"]),
        by_category=[(label, suppress(counts[key])) for key, label in CATEGORIES],
        url=reverse("workforce:ftsu"),
    )
