"""The workforce and speaking-up figures for the quality view (quality.quality).

Speaking up appears as counts only, of a complete quarter, suppressed as everywhere outside
the guardian's own view (``selectors.suppress``): the quality view is read by everyone who
can see the provider.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.db.models import Count, Q
from django.urls import reverse

from lmns.access import readable_among
from lmns.models import Provider
from workforce.models import MEASURES, FtsuCategory, Measure, WorkforceReturn
from workforce.selectors import (
    Quarter,
    in_complete_quarter,
    latest_complete_quarter,
    received_by_guardians,
    suppress,
)
from workforce.training.selectors import lowest_groups


@dataclass(frozen=True)
class MeasureSeries:
    measure: Measure
    values: list  # one per month asked for, None where there is no return or no figure
    # Whose figure the latest value is, for a measure that is one group's of several: the
    # lowest staff group of a training module. Empty otherwise.
    latest_name: str = ""

    @property
    def latest(self):
        return self.values[-1]


@dataclass(frozen=True)
class WorkforceSummary:
    month: date  # the month rated: the last of those asked for
    workforce_return: WorkforceReturn | None
    provider: Provider
    series: list[MeasureSeries]

    @cached_property
    def return_url(self) -> str:
        """The return rated, or the provider's workforce page when there is none: every
        workforce row of the quality view links here."""
        if self.workforce_return:
            return self.workforce_return.get_absolute_url()
        return reverse("workforce:provider", kwargs={"ods_code": self.provider.ods_code})


def workforce_summaries(*, user, providers, months: list[date]) -> dict[int, WorkforceSummary]:
    """Every monthly measure over ``months`` (first-of-month dates, oldest first), by provider pk,
    in two queries however many providers there are: the returns, and their training figures as
    plain values, each return's lowest staff groups worked out once (``lowest_groups``) rather
    than each figure made a model instance and each module's figures sorted for every measure.
    The values are ``Measure.of`` and ``Measure.name_of`` of each return.
    """
    returns = WorkforceReturn.objects.filter(
        provider__in=readable_among(user, providers), month__gte=months[0], month__lte=months[-1]
    )
    lowest = lowest_groups(returns)
    by_month = defaultdict(dict)
    for item in returns:
        by_month[item.provider_id][item.month] = item

    def figure(measure, item) -> tuple:
        """The measure's value in the return, and whose it is."""
        if measure.module:
            return lowest.get((item.pk, measure.module), (None, ""))
        return measure.of(item), ""

    summaries = {}
    for provider in providers:
        held = by_month[provider.pk]
        series = []
        for measure in MEASURES:
            figures = [figure(measure, held[month]) if month in held else (None, "") for month in months]
            values = [value for value, _ in figures]
            series.append(MeasureSeries(measure=measure, values=values, latest_name=figures[-1][1]))
        summaries[provider.pk] = WorkforceSummary(
            month=months[-1], workforce_return=held.get(months[-1]), provider=provider, series=series
        )
    return summaries


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


def speaking_up_summaries(*, user, providers, day: date) -> dict[int, SpeakingUpSummary]:
    """Concerns each provider's own guardians received in the latest complete quarter at or
    before ``day``, by provider pk, in two queries: the same concerns as the speaking-up page's row
    for the provider (``received_by_guardians``, ``in_complete_quarter``), so the two pages
    agree. A concern may be about several categories.
    """
    quarter = latest_complete_quarter(day)
    categories = list(
        FtsuCategory.objects.filter(Q(lmns__isnull=True) | Q(lmns__in={p.lmns_id for p in providers}))
    )
    # Each case counts once in "raised" however many categories it has, hence distinct.
    counts = {
        row.pop("provider"): row
        for row in received_by_guardians(readable_among(user, providers))
        .filter(in_complete_quarter(quarter))
        .values("provider")
        .annotate(
            raised=Count("pk", distinct=True),
            **{f"category_{c.pk}": Count("pk", filter=Q(categories=c), distinct=True) for c in categories},
        )
        .order_by()
    }
    url = reverse("workforce:ftsu")
    summaries = {}
    for provider in providers:
        found = counts.get(provider.pk, {})
        summaries[provider.pk] = SpeakingUpSummary(
            quarter=quarter,
            raised=suppress(found.get("raised", 0)),
            by_category=[
                (c.label, suppress(found.get(f"category_{c.pk}", 0)))
                for c in categories
                if c.available_in(provider.lmns_id) and (c.is_active or found.get(f"category_{c.pk}"))
            ],
            url=url,
        )
    return summaries
