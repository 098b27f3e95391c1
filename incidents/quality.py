"""The incidents figures for the quality view (lmns.quality), for one provider and period.

Each figure comes with the address of the list that shows the records behind it. Counts
are made in the database, so the number of queries does not grow with the data.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse

from incidents.models import (
    Incident,
    IncidentStatus,
    Learning,
    LearningStatus,
    PhysicalHarm,
    ResponseType,
    SafetyAction,
)
from lmns.models import Provider

MODERATE_OR_WORSE = [PhysicalHarm.MODERATE, PhysicalHarm.SEVERE, PhysicalHarm.FATAL]


def _url(name: str, **query) -> str:
    return f"{reverse(name)}?{urlencode(query)}"


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
    mnsi_referrals: int
    mnsi_url: str
    pmrt_referrals: int
    pmrt_url: str
    psiis_open: int
    psiis_url: str
    learning_shared: int
    learning_url: str
    actions_overdue: int
    actions_url: str


def incident_summary(*, provider: Provider, start: date, end: date, today: date) -> IncidentSummary:
    """Figures for incidents that occurred from ``start`` up to (not including) ``end``.

    Three queries, however many incidents there are.
    """
    in_period = Q(occurred_on__gte=start, occurred_on__lt=end)
    harms = {
        f"harm_{harm.value}": Count("pk", filter=in_period & Q(physical_harm=harm)) for harm in PhysicalHarm
    }
    counts = Incident.objects.filter(provider=provider).aggregate(
        reported=Count("pk", filter=in_period),
        mnsi=Count("pk", filter=in_period & Q(mnsi_referred_on__isnull=False)),
        pmrt=Count("pk", filter=in_period & Q(pmrt_referred_on__isnull=False)),
        psiis_open=Count("pk", filter=Q(response_type=ResponseType.PSII) & ~Q(status=IncidentStatus.CLOSED)),
        **harms,
    )
    learning_shared = Learning.objects.filter(
        provider=provider,
        status=LearningStatus.SHARED,
        submission__meeting__held_at__date__gte=start,
        submission__meeting__held_at__date__lt=end,
    ).count()
    actions_overdue = SafetyAction.objects.filter(provider=provider).overdue(today).count()

    period = {
        "provider": provider.pk,
        "occurred_from": start.isoformat(),
        "occurred_to": (end - timedelta(days=1)).isoformat(),
    }
    incidents = "incidents:incident-list"
    by_harm = [
        HarmCount(
            harm.label, counts[f"harm_{harm.value}"], _url(incidents, **period, physical_harm=harm.value)
        )
        for harm in PhysicalHarm
    ]
    return IncidentSummary(
        reported=counts["reported"],
        reported_url=_url(incidents, **period),
        by_harm=by_harm,
        moderate_or_worse=sum(counts[f"harm_{harm.value}"] for harm in MODERATE_OR_WORSE),
        mnsi_referrals=counts["mnsi"],
        mnsi_url=_url(incidents, **period, referral="mnsi"),
        pmrt_referrals=counts["pmrt"],
        pmrt_url=_url(incidents, **period, referral="pmrt"),
        psiis_open=counts["psiis_open"],
        # The incident list has no "open" filter; sorted by status descending, closed
        # investigations come last.
        psiis_url=_url(
            incidents, provider=provider.pk, response_type=ResponseType.PSII.value, order="-status"
        ),
        learning_shared=learning_shared,
        learning_url=_url(
            "incidents:learning-list", provider=provider.pk, status=LearningStatus.SHARED.value
        ),
        actions_overdue=actions_overdue,
        actions_url=_url("incidents:action-list", provider=provider.pk, overdue="true"),
    )


def reported_by_month(*, provider: Provider, start: date, end: date) -> dict[date, int]:
    """Incidents by the month they occurred in, from ``start`` up to ``end``, in one query."""
    rows = (
        Incident.objects.filter(provider=provider, occurred_on__gte=start, occurred_on__lt=end)
        .annotate(month=TruncMonth("occurred_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["month"]: row["n"] for row in rows}
