"""The compliance and assurance-visit figures for the quality view (quality.quality).

Positions and recommendations are as they stand today: assessments and visits keep no
history of their status. Each figure comes with the address of the records behind it, and
the counts are made in the database for every provider asked about at once, so the number of
queries grows neither with the data nor with the number of providers.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse

from assurance.models import Assessment, Deadline, Framework, FrameworkAction, RequirementAssessment
from assurance.selectors import action_position, grouped_rows
from assurance.visits.models import Finding, FindingKind, Recommendation, Visit, VisitStatus
from lmns.access import readable_among


def _url(path: str, **query) -> str:
    return f"{path}?{urlencode(query)}"


@dataclass(frozen=True)
class FrameworkPosition:
    framework: Framework
    url: str  # the provider's assessment
    actions: int
    met: int  # met or not applicable, as the provider assesses it
    verified: int  # met and accepted by the LMNS: what the board should rely on
    plans_overdue: int
    plans_overdue_url: str
    next_deadline: Deadline | None

    @property
    def outstanding(self) -> int:
        return self.actions - self.verified


def compliance_summaries(*, user, providers, today: date) -> dict[int, list[FrameworkPosition]]:
    """Each provider's position on every current framework version it has assessed, by provider
    pk, in four queries however many providers there are."""
    ids = [provider.pk for provider in providers]
    scope = readable_among(user, providers)
    assessments = list(
        Assessment.objects.filter(provider__in=scope)
        .exclude(framework__in=Framework.objects.superseded())
        .select_related("framework")
    )
    framework_ids = {assessment.framework_id for assessment in assessments}
    actions = defaultdict(list)
    for action in FrameworkAction.objects.filter(framework_id__in=framework_ids):
        actions[action.framework_id].append(action)
    rows = defaultdict(list)
    for row in grouped_rows(RequirementAssessment.objects.filter(assessment__provider__in=scope), today):
        rows[(row["assessment__provider"], row["requirement__action"])].append(row)
    deadlines = {}
    for deadline in Deadline.objects.filter(framework_id__in=framework_ids, due_on__gte=today).order_by(
        "-due_on"
    ):
        deadlines[deadline.framework_id] = deadline  # the earliest is written last
    items = reverse("assurance:item-list")
    positions = {pk: [] for pk in ids}
    for assessment in assessments:
        framework, provider = assessment.framework, assessment.provider_id
        cells = [action_position(action, rows[(provider, action.pk)]) for action in actions[framework.pk]]
        positions[provider].append(
            FrameworkPosition(
                framework=framework,
                url=assessment.get_absolute_url(),
                actions=len(cells),
                met=sum(cell.is_met for cell in cells),
                verified=sum(cell.is_verified_met for cell in cells),
                plans_overdue=sum(cell.overdue_plans for cell in cells),
                plans_overdue_url=_url(items, provider=provider, framework=framework.pk, overdue="true"),
                next_deadline=deadlines.get(framework.pk),
            )
        )
    return positions


@dataclass(frozen=True)
class VisitCount:
    visit_id: int
    visit_on: date
    count: int


@dataclass(frozen=True)
class VisitSummary:
    last_visit: Visit | None
    visits_url: str
    open_recommendations: int
    open_url: str
    overdue: list[VisitCount]  # overdue recommendations, by the visit they came from
    overdue_url: str
    immediate: list[VisitCount]  # immediate safety concerns of visits not yet closed

    @property
    def overdue_recommendations(self) -> int:
        return sum(item.count for item in self.overdue)

    @property
    def immediate_concerns(self) -> int:
        return sum(item.count for item in self.immediate)

    @property
    def immediate_url(self) -> str:
        if len(self.immediate) == 1:
            return reverse("assurance:visit-detail", kwargs={"pk": self.immediate[0].visit_id})
        return self.visits_url


def visit_summaries(*, user, providers, today: date) -> dict[int, VisitSummary]:
    """Each provider's last visit, outstanding recommendations, and open immediate concerns, by
    provider pk, in three queries however many providers there are."""
    ids = [provider.pk for provider in providers]
    scope = readable_among(user, providers)
    # Each provider's latest visit, found by a subquery per provider on its (provider, date)
    # index: cheaper to build than numbering every visit with a window function.
    past = Visit.objects.filter(visit_on__lte=today).exclude(
        status__in=[VisitStatus.PLANNED, VisitStatus.CANCELLED]
    )
    latest = past.filter(provider=OuterRef("pk")).order_by("-visit_on", "-pk").values("pk")[:1]
    last_visits = {
        visit.provider_id: visit for visit in Visit.objects.filter(pk__in=scope.values(last=Subquery(latest)))
    }
    by_visit = defaultdict(list)
    for row in (
        Recommendation.objects.filter(visit__provider__in=scope)
        .outstanding()
        .values("visit__provider", "visit", "visit__visit_on")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
        .order_by("visit__visit_on", "visit")
    ):
        by_visit[row["visit__provider"]].append(row)
    immediate = defaultdict(list)
    for row in (
        Finding.objects.filter(visit__provider__in=scope, kind=FindingKind.IMMEDIATE)
        .exclude(visit__status__in=[VisitStatus.CLOSED, VisitStatus.CANCELLED])
        .values("visit__provider", "visit", "visit__visit_on")
        .annotate(n=Count("pk"))
        .order_by("visit__visit_on", "visit")
    ):
        immediate[row["visit__provider"]].append(VisitCount(row["visit"], row["visit__visit_on"], row["n"]))
    visits = reverse("assurance:visit-list")
    recommendations = reverse("assurance:recommendation-list")
    return {
        pk: VisitSummary(
            last_visit=last_visits.get(pk),
            visits_url=_url(visits, provider=pk, when="past"),
            open_recommendations=sum(row["open"] for row in by_visit[pk]),
            # The list has no "outstanding" filter: it shows closed recommendations too.
            open_url=_url(recommendations, provider=pk),
            overdue=[
                VisitCount(row["visit"], row["visit__visit_on"], row["overdue"])
                for row in by_visit[pk]
                if row["overdue"]
            ],
            overdue_url=_url(recommendations, provider=pk, overdue="true"),
            immediate=immediate[pk],
        )
        for pk in ids
    }
