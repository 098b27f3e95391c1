"""The incidents figures for the quality view (quality.quality), for providers and a period.

Each figure comes with the address of the list that shows the records behind it. Counts
are made in the database, for every provider asked about at once, so the number of queries
grows neither with the data nor with the number of providers.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse

from incidents.models import (
    MODERATE_OR_WORSE,
    Incident,
    IncidentStatus,
    Learning,
    LearningStatus,
    PhysicalHarm,
    ReferralBody,
    ResponseType,
    SafetyAction,
    referral_exists,
)
from incidents.selectors import Sa10Part, sa10_counts, sa10_from_counts
from lmns.access import readable_among


def _url(path: str, **query) -> str:
    return f"{path}?{urlencode(query)}"


@dataclass(frozen=True)
class HarmCount:
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class IncidentSummary:
    # Flow figures count the incidents that occurred in the period (the incident list filters
    # by that date, so each link shows exactly the incidents counted). State figures (open
    # PSIIs, overdue actions) are as they stand today: no history of status is kept.
    reported: int
    reported_url: str
    by_harm: list[HarmCount]
    moderate_or_worse: int
    moderate_or_worse_url: str
    mnsi_referrals: int
    mnsi_url: str
    pmrt_referrals: int
    pmrt_url: str
    # MIS safety action 10's parts, each with the list of the cases that fall short of it.
    sa10: list[tuple[Sa10Part, str]]
    psiis_open: int
    psiis_url: str
    learning_shared: int
    learning_url: str
    actions_overdue: int
    actions_url: str


def incident_summaries(*, user, providers, start: date, end: date, today: date) -> dict[int, IncidentSummary]:
    """Each provider's figures for incidents that occurred from ``start`` up to (not including)
    ``end``, by provider pk.

    Four queries, however many providers and incidents there are: each counts for every
    provider at once, grouped by provider. The period goes in the WHERE clause, not in each
    count's filter, so that the provider-and-date index reads only the period's incidents
    (bench.quality_view measured the difference: 18 ms against 8 at 30,000).
    """
    ids = [provider.pk for provider in providers]
    scope = readable_among(user, providers)
    by_harm = defaultdict(dict)
    totals = defaultdict(Counter)
    for row in (
        Incident.objects.filter(provider__in=scope, occurred_on__gte=start, occurred_on__lt=end)
        .values("provider", "physical_harm")
        .annotate(
            n=Count("pk"),
            serious=Count("pk", filter=MODERATE_OR_WORSE),
            mnsi=Count("pk", filter=Q(mnsi_referred_on__isnull=False)),
            pmrt=Count("pk", filter=Q(referral_exists(ReferralBody.PMRT))),
            **sa10_counts(),
        )
        .order_by()
    ):
        provider = row.pop("provider")
        by_harm[provider][row.pop("physical_harm")] = row["n"]
        totals[provider].update(row)
    psiis_open = _by_provider(
        Incident.objects.filter(provider__in=scope, response_type=ResponseType.PSII).exclude(
            status=IncidentStatus.CLOSED
        )
    )
    learning_shared = _by_provider(Learning.objects.filter(provider__in=scope).shared_between(start, end))
    actions_overdue = _by_provider(SafetyAction.objects.filter(provider__in=scope).overdue(today))

    incidents = reverse("incidents:incident-list")
    learning = reverse("incidents:learning-list")
    actions = reverse("incidents:action-list")
    last_day = (end - timedelta(days=1)).isoformat()
    summaries = {}
    for pk in ids:
        harms, counts = by_harm[pk], totals[pk]
        period = {"provider": pk, "occurred_from": start.isoformat(), "occurred_to": last_day}
        summaries[pk] = IncidentSummary(
            reported=counts["n"],
            reported_url=_url(incidents, **period),
            by_harm=[
                HarmCount(
                    harm.label,
                    harms.get(harm.value, 0),
                    _url(incidents, **period, physical_harm=harm.value),
                )
                for harm in PhysicalHarm
            ],
            moderate_or_worse=counts["serious"],
            moderate_or_worse_url=_url(incidents, **period, harm="moderate_or_worse"),
            mnsi_referrals=counts["mnsi"],
            mnsi_url=_url(incidents, **period, referral="mnsi"),
            pmrt_referrals=counts["pmrt"],
            pmrt_url=_url(incidents, **period, referral="pmrt"),
            sa10=[(part, _url(incidents, **period, sa10_gap=part.key)) for part in sa10_from_counts(counts)],
            psiis_open=psiis_open.get(pk, 0),
            # The incident list has no "open" filter; sorted by status descending, closed
            # investigations come last.
            psiis_url=_url(incidents, provider=pk, response_type=ResponseType.PSII.value, order="-status"),
            learning_shared=learning_shared.get(pk, 0),
            learning_url=_url(learning, provider=pk, status=LearningStatus.SHARED.value),
            actions_overdue=actions_overdue.get(pk, 0),
            actions_url=_url(actions, provider=pk, overdue="true"),
        )
    return summaries


def _by_provider(records) -> dict[int, int]:
    """How many of ``records`` each provider has, in one query; providers with none are left out."""
    return dict(records.values_list("provider").annotate(n=Count("pk")).order_by())


def reported_by_month(*, user, providers, start: date, end: date) -> dict[int, dict[date, int]]:
    """Incidents by provider pk and the month they occurred in, from ``start`` up to ``end``, in
    one query.

    Grouped by day and added up here: TruncMonth is a Python function call per row on SQLite
    (bench.quality_view: 7.9 ms against 2.9 at 30,000 incidents)."""
    scope = readable_among(user, providers)
    rows = (
        Incident.objects.filter(provider__in=scope, occurred_on__gte=start, occurred_on__lt=end)
        .values_list("provider", "occurred_on")
        .annotate(n=Count("pk"))
        .order_by()
    )
    months = defaultdict(lambda: defaultdict(int))
    for provider, day, n in rows:
        months[provider][day.replace(day=1)] += n
    return months


def reported_series(*, user, providers, months: list[date], end: date) -> dict[int, list[int | None]]:
    """Incidents by month occurred, for each of ``months`` (the last ending at ``end``), by
    provider pk, in two queries. Months before the provider's first recorded incident are
    missing data, not months without incidents: as zeros they would read as special cause for
    two years after go-live."""
    by_month = reported_by_month(user=user, providers=providers, start=months[0], end=end)
    # A subquery for each provider reads one entry of the provider-and-date index; MIN grouped
    # by provider would read every incident they have (bench.lmns_overview: 15 ms at 30 providers).
    earliest = Incident.objects.filter(provider=OuterRef("pk")).order_by("occurred_on").values("occurred_on")
    first = dict(readable_among(user, providers).values_list("pk", Subquery(earliest[:1])).order_by())
    series = {}
    for provider in providers:
        since = first[provider.pk].replace(day=1) if first.get(provider.pk) else end
        counts = by_month[provider.pk]
        series[provider.pk] = [counts[month] if month >= since else None for month in months]
    return series
