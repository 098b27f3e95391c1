"""Work that needs me: what waits for the signed-in person, role by role.

The home page lists it and the navigation badges its counts, from one computation per request
(``work_for_request``). Every count reads through the records' own ``visible_to`` querysets,
narrowed to the providers or LMNSs where the person holds the role that acts on the work
(``access.providers_where``), so scoping lives in one place. Each item is one query whatever
the number of records, so the home page has a fixed query budget.

Like ``quality.quality``, this module sits above the feature apps and reads them; they never
import it.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import IntEnum
from urllib.parse import urlencode

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from assurance.models import (
    BoardWorkbookJob,
    Framework,
    FrameworkStatus,
    RequirementAssessment,
    SblAssessment,
    Verification,
    VisitTemplate,
)
from assurance.sbl.models import SblState
from assurance.visits.models import Recommendation, RecommendationStatus
from incidents.highlights import selectors as highlight_selectors
from incidents.models import Incident, Learning, LearningStatus, SsigSubmission
from incidents.selectors import ssig_open_for_submissions
from lmns import access
from lmns.context_processors import WORK_BADGES_SESSION_KEY
from lmns.models import BoardPackJob, ExportStatus, Membership, Role
from lmns.months import add_months
from workforce.models import (
    RETURN_DUE_DAY,
    ConcernStatus,
    FtsuConcern,
    FtsuMessage,
    WorkforceReturn,
    return_due_on,
)

# Recommendations are listed as due this far ahead, as well as once overdue.
RECOMMENDATIONS_DUE_WITHIN = timedelta(days=30)
BOARD_EXPORTS_SHOWN = 3
VERIFICATION_WAIT = timedelta(days=28)


class Urgency(IntEnum):
    """Most urgent first: the home page sorts on this, then on the due date."""

    OVERDUE = 0
    DUE = 1
    WAITING = 2
    INFORMATION = 3


@dataclass(frozen=True)
class WorkItem:
    label: str
    url: str
    # The navigation section whose badge counts this item.
    section: str
    count: int | None = None
    due_on: date | None = None
    urgency: Urgency = Urgency.WAITING

    @property
    def is_overdue(self) -> bool:
        return self.urgency == Urgency.OVERDUE

    @property
    def is_work(self) -> bool:
        """Information (the next SSIG deadline, the latest board pack) is shown, never counted."""
        return self.urgency != Urgency.INFORMATION and bool(self.count)


@dataclass(frozen=True)
class RoleWork:
    role: str
    items: list[WorkItem]
    # Pages to go to rather than counts: the administration pages, people.
    links: list[tuple[str, str]] = field(default_factory=list)


def _url(name: str, query: dict | None = None, **kwargs) -> str:
    url = reverse(name, kwargs=kwargs or None)
    return f"{url}?{urlencode(query)}" if query else url


def _due_urgency(due_on: date | None, today: date, soon: timedelta = timedelta(days=7)) -> Urgency:
    if due_on is None:
        return Urgency.WAITING
    if due_on < today:
        return Urgency.OVERDUE
    return Urgency.DUE if due_on - today <= soon else Urgency.WAITING


def _waiting_urgency(since, today: date) -> Urgency:
    """Verification has no due date; what has waited four weeks is raised above the rest."""
    if since and (today - timezone.localdate(since)) > VERIFICATION_WAIT:
        return Urgency.DUE
    return Urgency.WAITING


def _last_due_month(today: date) -> date:
    """The latest month whose workforce return's due date has passed."""
    return add_months(today.replace(day=1), -1 if today.day > RETURN_DUE_DAY else -2)


# --- Providers ---------------------------------------------------------------------------------


def _ssig_item(meeting, today: date) -> WorkItem:
    return WorkItem(
        label=f"Next SSIG submission deadline ({meeting.lmns.name}, meeting {meeting.meeting_on:%-d %B %Y})",
        url=meeting.get_absolute_url(),
        section="incidents",
        due_on=meeting.submission_deadline,
        urgency=Urgency.INFORMATION,
    )


def _ssig_once(ctx: dict, today: date) -> list[WorkItem]:
    """The deadline is shown once, under the first provider role that works to it."""
    if not ctx["ssig"] or ctx.get("ssig_shown"):
        return []
    ctx["ssig_shown"] = True
    return [_ssig_item(ctx["ssig"], today)]


def _contributor(user, today: date, ctx: dict) -> list[WorkItem]:
    providers = access.providers_where(user, "record_incident")
    without_learning = Incident.objects.visible_to(user).filter(provider__in=providers).needing_learning()
    drafts = Learning.objects.visible_to(user).filter(
        provider__in=providers, status=LearningStatus.DRAFT, created_by=user
    )
    items = [
        WorkItem(
            label="Incidents without learning",
            url=_url("incidents:incident-list", {"learning": "none", "order": "reported"}),
            section="incidents",
            count=without_learning.count(),
        ),
        WorkItem(
            label="Your draft learning",
            url=_url("incidents:learning-list", {"status": LearningStatus.DRAFT}),
            section="incidents",
            count=drafts.count(),
        ),
    ]
    return items + _ssig_once(ctx, today)


def _lead(user, today: date, ctx: dict) -> list[WorkItem]:
    providers = access.providers_where(user, "review_incident")
    learning = (
        Learning.objects.visible_to(user)
        .filter(provider__in=providers)
        .aggregate(
            drafts=Count("pk", filter=Q(status=LearningStatus.DRAFT)),
            unsent=Count("pk", filter=Q(status=LearningStatus.SIGNED_OFF)),
        )
    )
    challenged = RequirementAssessment.objects.visible_to(user).filter(
        assessment__provider__in=access.providers_where(user, "submit_assessment"),
        verification=Verification.CHALLENGED,
    )
    recommendations = (
        Recommendation.objects.visible_to(user)
        .issued()
        .filter(
            visit__provider__in=access.providers_where(user, "respond_recommendation"),
            status=RecommendationStatus.OPEN,
            due_on__lte=today + RECOMMENDATIONS_DUE_WITHIN,
        )
        .aggregate(n=Count("pk"), first=Min("due_on"))
    )
    month = add_months(today.replace(day=1), -1)
    returns_due = (
        access.providers_where(user, "submit_workforce_return")
        .exclude(Exists(WorkforceReturn.objects.filter(provider=OuterRef("pk"), month=month)))
        .count()
    )
    ssig = ctx["ssig"]
    items = [
        WorkItem(
            label="Learning awaiting your sign-off",
            url=_url("incidents:learning-list", {"status": LearningStatus.DRAFT}),
            section="incidents",
            count=learning["drafts"],
        ),
        WorkItem(
            label="Signed-off learning not yet submitted to the SSIG",
            url=_url("incidents:learning-list", {"status": LearningStatus.SIGNED_OFF}),
            section="incidents",
            count=learning["unsent"],
            due_on=ssig.submission_deadline if ssig else None,
            urgency=_due_urgency(ssig.submission_deadline, today) if ssig else Urgency.WAITING,
        ),
        WorkItem(
            label="Requirements challenged by the LMNS",
            url=_url("assurance:item-list", {"verification": Verification.CHALLENGED}),
            section="assurance",
            count=challenged.count(),
            urgency=Urgency.DUE,
        ),
        WorkItem(
            label="Visit recommendations due in the next 30 days or overdue",
            url=_url("assurance:recommendation-list", {"status": RecommendationStatus.OPEN, "order": "due"}),
            section="assurance",
            count=recommendations["n"],
            due_on=recommendations["first"],
            urgency=_due_urgency(recommendations["first"], today),
        ),
        WorkItem(
            label=f"Workforce return for {month:%B %Y} not yet submitted",
            url=_url("workforce:return-create"),
            section="workforce",
            count=returns_due,
            due_on=return_due_on(month),
            urgency=_due_urgency(return_due_on(month), today),
        ),
    ]
    return items + _ssig_once(ctx, today)


# --- Freedom to Speak Up -------------------------------------------------------------------------


def _ftsu(user, today: date, ctx: dict) -> list[WorkItem]:
    """Counts only: what a concern is about is for the guardian handling it, on its own page."""
    concerns = FtsuConcern.objects.visible_to(user).exclude(status=ConcernStatus.CLOSED)
    last_message = FtsuMessage.objects.filter(concern=OuterRef("pk")).order_by("-pk")
    counts = concerns.annotate(raiser_last=last_message.values("from_raiser")[:1]).aggregate(
        untaken=Count("pk", filter=Q(handler__isnull=True)),
        replies=Count("pk", filter=Q(raiser_last=True) & (Q(handler=user) | Q(handler__isnull=True))),
    )
    return [
        WorkItem(
            label="New concerns nobody has taken",
            url=_url("workforce:ftsu") + "#concerns",
            section="workforce",
            count=counts["untaken"],
            urgency=Urgency.DUE,
        ),
        WorkItem(
            label="Replies from people who spoke up, awaiting an answer",
            url=_url("workforce:ftsu") + "#concerns",
            section="workforce",
            count=counts["replies"],
            urgency=Urgency.DUE,
        ),
    ]


# --- LMNS --------------------------------------------------------------------------------------


def _officer(user, today: date, ctx: dict) -> list[WorkItem]:
    awaiting = (
        RequirementAssessment.objects.visible_to(user)
        .filter(
            assessment__provider__in=access.providers_where(user, "verify"),
            verification=Verification.AWAITING,
        )
        .aggregate(n=Count("pk"), oldest=Min("submitted_at"))
    )
    closure = Recommendation.objects.visible_to(user).filter(
        visit__provider__in=access.providers_where(user, "run_visits"),
        status=RecommendationStatus.AWAITING_REVIEW,
    )
    highlights = highlight_selectors.awaiting_review(user=user)
    ssig = ctx["ssig"]
    month = _last_due_month(today)
    overdue_returns = (
        access.providers_where(user, "verify")
        .exclude(Exists(WorkforceReturn.objects.filter(provider=OuterRef("pk"), month=month)))
        .count()
    )
    oldest = awaiting["oldest"]
    sbl_awaiting = (
        SblAssessment.objects.visible_to(user)
        .filter(provider__in=access.providers_where(user, "verify"), state=SblState.AWAITING)
        .aggregate(n=Count("pk"), oldest=Min("submitted_at"))
    )
    items = [
        WorkItem(
            label="Saving Babies' Lives quarters awaiting your validation",
            url=_url("assurance:sbl"),
            section="assurance",
            count=sbl_awaiting["n"],
            urgency=_waiting_urgency(sbl_awaiting["oldest"], today),
        ),
        WorkItem(
            label="Requirements awaiting your verification, oldest first",
            url=_url("assurance:item-list", {"verification": Verification.AWAITING, "order": "submitted"}),
            section="assurance",
            count=awaiting["n"],
            urgency=_waiting_urgency(oldest, today),
        ),
        WorkItem(
            label="Recommendations asking for closure",
            url=_url("assurance:recommendation-list", {"status": RecommendationStatus.AWAITING_REVIEW}),
            section="assurance",
            count=closure.count(),
        ),
        WorkItem(
            label="Highlight reports awaiting your review",
            url=_url("incidents:improvement-highlight-list", {"awaiting": "on"}),
            section="incidents",
            count=highlights.count(),
        ),
        WorkItem(
            label=f"Workforce returns for {month:%B %Y} overdue",
            url=_url("workforce:index"),
            section="workforce",
            count=overdue_returns,
            due_on=return_due_on(month),
            urgency=Urgency.OVERDUE,
        ),
    ]
    if ssig:
        submitted = SsigSubmission.objects.filter(meeting=ssig).count()
        items.append(
            WorkItem(
                label=f"Submissions for the next SSIG ({ssig.meeting_on:%-d %B %Y})",
                url=ssig.get_absolute_url(),
                section="incidents",
                count=submitted,
                due_on=ssig.submission_deadline,
                urgency=Urgency.INFORMATION,
            )
        )
    return items


def _approver(user, today: date, ctx: dict) -> list[WorkItem]:
    waiting = Q(status=FrameworkStatus.AWAITING_APPROVAL)
    return [
        WorkItem(
            label="Frameworks awaiting approval",
            url=_url("assurance:index"),
            section="assurance",
            count=Framework.objects.visible_to(user).filter(waiting).count(),
        ),
        WorkItem(
            label="Visit templates awaiting approval",
            url=_url("assurance:visit-template-list"),
            section="assurance",
            count=VisitTemplate.objects.visible_to(user).filter(waiting).count(),
        ),
    ]


def _board(user, today: date, ctx: dict) -> list[WorkItem]:
    """An LMNS board reads the LMNS-wide packs and workbooks its officers built; a provider's
    board its provider's own pack, built when asked for."""
    done = Q(status=ExportStatus.DONE)
    packs = BoardPackJob.objects.visible_to(user).filter(done).select_related("lmns")
    workbooks = BoardWorkbookJob.objects.visible_to(user).filter(done).select_related("lmns", "framework")
    items = [
        WorkItem(label=str(job), url=job.get_absolute_url(), section="quality", urgency=Urgency.INFORMATION)
        for jobs in (packs, workbooks)
        for job in jobs.order_by("-finished_at", "-pk")[:BOARD_EXPORTS_SHOWN]
    ]
    boards = Membership.objects.filter(user=user, role=Role.BOARD_VIEWER, provider__isnull=False)
    items += [
        WorkItem(
            label=f"Board pack for {membership.provider.name}, last complete month",
            url=_url("lmns:board-pack", ods_code=membership.provider.ods_code),
            section="quality",
            urgency=Urgency.INFORMATION,
        )
        for membership in boards.select_related("provider").order_by("provider__name")
    ]
    return items or [
        WorkItem(
            label="No board pack or workbook yet: your LMNS officers build them from Quality",
            url=_url("lmns:quality"),
            section="quality",
            urgency=Urgency.INFORMATION,
        )
    ]


def _links(user, roles: set) -> list[tuple[str, str]]:
    """Where the safety lead and the administrator do their work beyond the lists above."""
    links = []
    if user.is_staff or access.edits_reference_data(user):
        links.append(("Go to the administration pages", reverse("admin:index")))
    if user.is_superuser or Role.SYSTEM_ADMINISTRATOR in roles:
        links.append(("Manage people and their roles", reverse("people:list")))
    return links


# Role order on the page; guardian and FTSU lead share one list, as do safety lead and administrator.
BUILDERS = [
    ((Role.PROVIDER_CONTRIBUTOR,), "Provider contributor", _contributor),
    ((Role.PROVIDER_LEAD,), "Provider lead", _lead),
    ((Role.PROVIDER_FTSU_GUARDIAN, Role.LMNS_FTSU_LEAD), "Freedom to Speak Up", _ftsu),
    ((Role.LMNS_OFFICER,), "LMNS officer", _officer),
    ((Role.LMNS_SAFETY_LEAD, Role.SYSTEM_ADMINISTRATOR), "Approvals and administration", _approver),
    ((Role.BOARD_VIEWER,), "Board", _board),
]


def _sort_key(item: WorkItem):
    return (item.urgency, item.due_on or date.max)


def work_for(user, *, today: date | None = None) -> list[RoleWork]:
    """The person's waiting work, one list per role they hold, each most urgent first."""
    if not (user and user.is_authenticated and user.is_active):
        return []
    today = today or timezone.localdate()
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    if user.is_superuser:
        roles |= {Role.SYSTEM_ADMINISTRATOR}
    works_to_ssig = roles & {Role.PROVIDER_CONTRIBUTOR, Role.PROVIDER_LEAD, Role.LMNS_OFFICER}
    ctx: dict = {"ssig": ssig_open_for_submissions(user=user, today=today) if works_to_ssig else None}
    result = []
    for held, title, build in BUILDERS:
        if not roles & set(held):
            continue
        items = build(user, today, ctx)
        shown = [item for item in items if item.is_work or item.urgency == Urgency.INFORMATION]
        links = _links(user, roles) if build is _approver else []
        result.append(RoleWork(role=title, items=sorted(shown, key=_sort_key), links=links))
    return result


def badges(work: list[RoleWork]) -> dict[str, int]:
    """Counts per navigation section: only work, never information."""
    counts: dict[str, int] = {}
    for role in work:
        for item in role.items:
            if item.is_work:
                counts[item.section] = counts.get(item.section, 0) + item.count
    return counts


def work_for_request(request) -> list[RoleWork]:
    """Computed once per request; the navigation's badges are kept in the session from it.

    Other pages read the badges from the session rather than counting again, so that every
    page does not pay the home page's queries: they are as fresh as the person's last visit
    to the home page, where they are counted anew.
    """
    if not hasattr(request, "_lmns_work"):
        request._lmns_work = work_for(request.user)
        counts = badges(request._lmns_work)
        if request.session.get(WORK_BADGES_SESSION_KEY) != counts:
            request.session[WORK_BADGES_SESSION_KEY] = counts
    return request._lmns_work
