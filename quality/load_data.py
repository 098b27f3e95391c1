"""Generated load data: a region's worth of LMNSs, providers and years of history.

For measuring pages at realistic sizes (``manage.py generate_load_data``, bench/), never for
demonstrations: nothing here signs in. Every record describes care, never people, and
everything generated hangs off LMNSs whose code starts with ``load-``, so it can be told from
real organisations. Rows are made with ``bulk_create``, which skips django-simple-history:
right for synthetic background made by no one, where a history row each would only say
"created by the generator" and double the rows to write.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from assurance.models import (
    IN_FORCE_OR_CLOSED,
    Assessment,
    Framework,
    Requirement,
    RequirementAssessment,
    Status,
    Verification,
)
from assurance.visits.models import (
    Finding,
    FindingKind,
    Recommendation,
    RecommendationStatus,
    Visit,
    VisitStatus,
    VisitType,
)
from incidents.demo import history_incident, history_referrals
from incidents.models import (
    ActionStatus,
    Incident,
    IncidentType,
    Learning,
    LearningStatus,
    SafetyAction,
    SsigMeeting,
    SsigSubmission,
)
from lmns.models import Lmns, Provider, Unit, UnitType
from lmns.months import add_months
from workforce.demo import demo_return_figures, demo_training_figures
from workforce.models import FtsuCategory, FtsuConcern, StaffGroup, TrainingFigure, WorkforceReturn

LMNS_CODE_PREFIX = "load-"
GENERATOR_USERNAME = "load.generator"
PER_MONTH = 125  # incidents a month for each provider: about 1,500 a year
MAX_PROVIDERS = 99  # generated ODS codes are Z01 to Z99
BATCH = 1000


class LoadDataRefused(Exception):
    """The database is not one to fill with generated data."""


def months_back(today: date, count: int) -> list[date]:
    """The ``count`` months up to and including this one, oldest first."""
    this_month = today.replace(day=1)
    return [add_months(this_month, offset) for offset in range(1 - count, 1)]


def _local(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def incidents(
    provider, months, types, rng, *, today, prefix, unit=None, per_month=PER_MONTH
) -> list[Incident]:
    """As incidents.demo draws its history (``history_incident``), a Poisson-like count a month."""
    made = []
    for month in months:
        count = max(0, round(rng.gauss(per_month, per_month**0.5)))
        for n in range(count):
            incident = history_incident(
                provider=provider,
                unit=unit,
                month=month,
                rng=rng,
                types=types,
                today=today,
                reference=f"{prefix}-{provider.ods_code}-{month:%Y%m}-{n + 1:03d}",
                summary=f"{prefix.title()} history: reviewed at the weekly incident meeting.",
            )
            if incident is not None:
                made.append(incident)
    return made


def ssig_meetings(lmns, months, *, today) -> dict[date, SsigMeeting]:
    """A meeting a month on the 10th, held unless still to come; keyed by month."""
    SsigMeeting.objects.bulk_create(
        SsigMeeting(
            lmns=lmns,
            meeting_on=month + timedelta(days=9),
            submission_deadline=month + timedelta(days=2),
            held_at=_local(month + timedelta(days=9)) if month + timedelta(days=9) < today else None,
        )
        for month in months
    )
    return {meeting.meeting_on.replace(day=1): meeting for meeting in SsigMeeting.objects.filter(lmns=lmns)}


def learning(provider, months, meetings, user, rng, *, today) -> Counter:
    """Six items a month: four shared at that month's SSIG, one signed off, one draft; two
    safety actions for each shared item, most completed once past due."""
    items, shared = [], []
    for month in months:
        for n in range(6):
            status = [LearningStatus.SHARED] * 4 + [LearningStatus.SIGNED_OFF, LearningStatus.DRAFT]
            item = Learning(
                provider=provider,
                title=f"Learning {provider.ods_code} {month:%Y-%m} {n}",
                what_happened="A delay in escalation on a busy shift.",
                what_we_learned="The prompt depended on one person remembering it.",
                what_we_changed="The prompt is now on the board.",
                status=status[n],
                created_by=user,
            )
            items.append(item)
            if status[n] == LearningStatus.SHARED and meetings[month].meeting_on < today:
                shared.append((item, meetings[month]))
    Learning.objects.bulk_create(items, batch_size=BATCH)
    SsigSubmission.objects.bulk_create(
        (SsigSubmission(meeting=meeting, learning=item, submitted_by=user) for item, meeting in shared),
        batch_size=BATCH,
    )
    actions = []
    for item, meeting in shared:
        for n in range(2):
            due_on = meeting.meeting_on + timedelta(days=30 + 30 * n)
            completed = due_on < today - timedelta(days=30) and rng.random() < 0.95
            actions.append(
                SafetyAction(
                    provider=provider,
                    learning=item,
                    description="Add the prompt to the safety huddle board.",
                    owner=user,
                    due_on=due_on,
                    status=ActionStatus.COMPLETED if completed else rng.choice(["open", "in_progress"]),
                    completion_evidence="Revised guideline" if completed else "",
                    completed_on=due_on if completed else None,
                )
            )
    SafetyAction.objects.bulk_create(actions, batch_size=BATCH)
    return Counter(learning=len(items), ssig_submission=len(shared), safety_action=len(actions))


def assessment(provider, framework, requirements, user, n_provider, *, today) -> int:
    """A filled-in assessment: the first three actions met, the rest mixed, a third of the
    action plans overdue; returns how many items it made."""
    statuses = [
        Status.MET,
        Status.MET,
        Status.MET,
        Status.PARTIALLY_MET,
        Status.NOT_MET,
        Status.NOT_APPLICABLE,
    ]
    verifications = [Verification.ACCEPTED, Verification.ACCEPTED, Verification.AWAITING]
    made = Assessment.objects.create(provider=provider, framework=framework)
    items = []
    for n, requirement in enumerate(requirements):
        # The first three actions are met throughout, so that "met" and "verified" are not 0.
        met_action = requirement.action.order <= 3
        status = Status.MET if met_action else statuses[(n + n_provider) % len(statuses)]
        item = RequirementAssessment(
            assessment=made,
            requirement=requirement,
            status=status,
            verification=Verification.ACCEPTED
            if requirement.action.order <= 2
            else verifications[n % len(verifications)],
            commentary="Audit results reviewed at the safety champions meeting.",
            updated_by=user,
        )
        if status == Status.NOT_APPLICABLE:
            item.not_applicable_reason = "No neonatal unit on this site."
        if status in {Status.NOT_MET, Status.PARTIALLY_MET}:
            item.action_plan = "Recruit and train; re-audit in three months."
            item.action_owner = "Director of Midwifery"
            item.action_due_on = today + timedelta(days=60 * (n % 3) - 60)
        items.append(item)
    RequirementAssessment.objects.bulk_create(items, batch_size=BATCH)
    return len(items)


def visits(provider, months, user, rng, *, today, every: int = 3) -> Counter:
    """A visit every ``every`` months: findings of every kind, a recommendation for each that is
    not good practice; older visits closed, the last two with their report issued, one planned."""
    visit_months = months[::every]
    made = []
    for n, month in enumerate(visit_months):
        age = len(visit_months) - n
        status = (
            VisitStatus.CLOSED if age > 3 else VisitStatus.REPORT_ISSUED if age > 1 else VisitStatus.VISITED
        )
        made.append(
            Visit(
                provider=provider,
                visit_on=min(month + timedelta(days=13), today - timedelta(days=1)),
                visit_type=[VisitType.ROUTINE, VisitType.OCKENDEN, VisitType.TARGETED][n % 3],
                status=status,
                created_by=user,
            )
        )
    made.append(
        Visit(
            provider=provider,
            visit_on=today + timedelta(days=40),
            visit_type=VisitType.ROUTINE,
            created_by=user,
        )
    )
    made = Visit.objects.bulk_create(made)
    kinds = [
        FindingKind.GOOD_PRACTICE,
        FindingKind.IMPROVEMENT,
        FindingKind.IMPROVEMENT,
        FindingKind.CONCERN,
        FindingKind.CONCERN,
        FindingKind.IMMEDIATE,
    ]
    findings = [
        Finding(visit=visit, domain="safe", kind=kind, description="Seen on the day.", recorded_by=user)
        for visit in made
        if visit.status != VisitStatus.PLANNED
        for kind in kinds
    ]
    findings = Finding.objects.bulk_create(findings, batch_size=BATCH)
    recommendations = []
    for finding in findings:
        if finding.kind == FindingKind.GOOD_PRACTICE:
            continue
        visit = finding.visit
        closed = visit.status == VisitStatus.CLOSED or rng.random() < 0.3
        recommendations.append(
            Recommendation(
                visit=visit,
                finding=finding,
                text="Audit escalation against the guideline.",
                owner=user,
                due_on=visit.visit_on + timedelta(days=rng.choice([30, 60, 120])),
                status=RecommendationStatus.CLOSED if closed else RecommendationStatus.OPEN,
                created_by=user,
            )
        )
    Recommendation.objects.bulk_create(recommendations, batch_size=BATCH)
    return Counter(visit=len(made), finding=len(findings), recommendation=len(recommendations))


def workforce_returns(provider, months, rng, *, today, funded=200, in_post=Decimal("180.0")) -> int:
    """A return for every month before this one (this month's is not due yet)."""
    returns = [
        WorkforceReturn(
            provider=provider,
            month=month,
            **demo_return_figures(provider.ods_code, index, funded, in_post, Decimal("0.1"), rng),
            birthrate_plus_wte=funded + 6,
            birthrate_plus_on=date(2025, 4, 1),
            retention_midwife=True,
        )
        for index, month in enumerate(months)
        if month < today.replace(day=1)
    ]
    WorkforceReturn.objects.bulk_create(returns, batch_size=BATCH)
    groups = {group.code: group for group in StaffGroup.objects.filter(lmns__isnull=True, is_active=True)}
    TrainingFigure.objects.bulk_create(
        (
            TrainingFigure(
                workforce_return=item,
                module=module,
                staff_group=groups[code],
                in_scope=in_scope,
                compliant=compliant,
            )
            for index, item in enumerate(returns)
            for (module, code), (in_scope, compliant) in demo_training_figures(
                provider.ods_code, index, funded, rng
            ).items()
            if code in groups and groups[code].needs(module)
        ),
        batch_size=BATCH,
    )
    return len(returns)


def concerns(lmns, provider, months, rng, *, today) -> int:
    """Six Freedom to Speak Up concerns a month, anonymous, about situations only."""
    category_pks = list(
        FtsuCategory.objects.filter(lmns__isnull=True, is_active=True).values_list("pk", flat=True)
    )
    made, chosen_for = [], []
    for month in months:
        for n in range(6):
            received_on = month + timedelta(days=rng.randrange(28))
            if received_on >= today:
                continue
            chosen = [pk for pk in category_pks if rng.random() < 0.5] or category_pks[:1]
            closed = (today - received_on).days > 60
            made.append(
                FtsuConcern(
                    reference=f"FTSU-{provider.ods_code}-{month:%Y%m}-{n}",
                    lmns=lmns,
                    provider=provider,
                    received_by="provider",
                    route="in_person",
                    received_on=received_on,
                    raised_as="anonymous",
                    summary="Staffing on night shifts.",
                    status="closed" if closed else "received",
                    closed_on=received_on + timedelta(days=30) if closed else None,
                    outcome="Discussed with the matron." if closed else "",
                )
            )
            chosen_for.append(chosen)
    FtsuConcern.objects.bulk_create(made, batch_size=BATCH)
    Link = FtsuConcern.categories.through
    Link.objects.bulk_create(
        (
            Link(ftsuconcern_id=concern.pk, ftsucategory_id=category_pk)
            for concern, chosen in zip(made, chosen_for, strict=True)
            for category_pk in chosen
        ),
        batch_size=BATCH,
    )
    return len(made)


@dataclass
class LoadData:
    lmnss: list[Lmns]
    providers: list[Provider]
    rows: Counter = field(default_factory=Counter)


def check_database(*, force: bool = False) -> None:
    """Refuse a database that holds organisations not generated here, unless forced."""
    real = Provider.objects.exclude(lmns__code__startswith=LMNS_CODE_PREFIX).count()
    if real and not force:
        raise LoadDataRefused(
            f"This database already has {real} providers that were not generated: it may be a real one. "
            "Use a fresh database, or --force if you are sure."
        )


@transaction.atomic
def generate(
    *, providers: int, years: int, lmnss: int, seed: int, today: date, force: bool = False
) -> LoadData:
    """Add ``providers`` providers across ``lmnss`` new LMNSs, each with ``years`` whole years
    of history up to ``today``. Providers and LMNSs are numbered on from any generated before,
    so a second run grows the data; the same seed and day give the same data."""
    generated = Provider.objects.filter(lmns__code__startswith=LMNS_CODE_PREFIX).count()
    lmns_offset = Lmns.objects.filter(code__startswith=LMNS_CODE_PREFIX).count()
    if not 1 <= providers <= MAX_PROVIDERS - generated:
        raise LoadDataRefused(
            f"Providers must be between 1 and {MAX_PROVIDERS - generated} "
            f"({generated} of the most {MAX_PROVIDERS} are already generated)."
        )
    if not 1 <= lmnss <= providers:
        raise LoadDataRefused("LMNSs must be between 1 and the number of providers.")
    if years < 1:
        raise LoadDataRefused("Years must be at least 1.")
    # Drafts are not assessed; a closed year's assessments are part of a region's history.
    frameworks = list(Framework.objects.filter(status__in=IN_FORCE_OR_CLOSED).order_by("pk"))
    if not frameworks:
        raise LoadDataRefused("No published frameworks: run manage.py load_frameworks first.")
    types = list(IncidentType.objects.filter(lmns=None).active().order_by("pk"))
    if not types:
        raise LoadDataRefused("No incident types: run manage.py migrate first.")
    check_database(force=force)

    requirements = {
        framework.pk: list(
            Requirement.objects.filter(action__framework=framework).select_related("action").order_by("pk")
        )
        for framework in frameworks
    }
    user, _ = get_user_model().objects.get_or_create(username=GENERATOR_USERNAME)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    months = months_back(today, 12 * years + 1)  # whole years before this month, and this month
    result = LoadData(lmnss=[], providers=[])
    rows = result.rows
    meetings = {}
    for n in range(lmns_offset + 1, lmns_offset + lmnss + 1):
        lmns = Lmns.objects.create(code=f"{LMNS_CODE_PREFIX}{n}", name=f"Load test LMNS {n}")
        result.lmnss.append(lmns)
        meetings[lmns.pk] = ssig_meetings(lmns, months, today=today)
        rows["ssig_meeting"] += len(months)
    rows["lmns"] = lmnss

    for n in range(generated, generated + providers):
        rng = random.Random(f"{seed}-{n}")
        lmns = result.lmnss[(n - generated) % lmnss]
        code = f"Z{n + 1:02d}"
        provider = Provider.objects.create(lmns=lmns, name=f"Load Test Trust {code}", ods_code=code)
        result.providers.append(provider)
        units = Unit.objects.bulk_create(
            [
                Unit(provider=provider, ods_site_code=f"{code}01", name=f"{code} Maternity Unit",
                     unit_type=UnitType.OBSTETRIC_UNIT),
                Unit(provider=provider, ods_site_code=f"{code}02", name=f"{code} Birth Centre",
                     unit_type=UnitType.ALONGSIDE_MLU),
            ]
        )  # fmt: skip
        made = incidents(provider, months, types, rng, today=today, prefix="LOAD", unit=units[0])
        for incident in made[::5]:
            incident.unit = units[1]  # a fifth of incidents at the birth centre
        Incident.objects.bulk_create(made, batch_size=BATCH)
        history_referrals(made)
        rows.update(provider=1, unit=len(units), incident=len(made))
        rows.update(learning(provider, months, meetings[lmns.pk], user, rng, today=today))
        for framework in frameworks:
            rows["requirement_assessment"] += assessment(
                provider, framework, requirements[framework.pk], user, n, today=today
            )
            rows["assessment"] += 1
        rows.update(visits(provider, months, user, rng, today=today, every=6))
        funded = rng.randint(60, 260)
        rows["workforce_return"] += workforce_returns(
            provider, months, rng, today=today, funded=funded, in_post=Decimal(funded) * Decimal("0.9")
        )
        rows["ftsu_concern"] += concerns(lmns, provider, months, rng, today=today)
    return result


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics and visibility map, as autovacuum would soon after
    a bulk load: until then the planner takes every table for empty, and index-only scans still
    read every row's page. VACUUM cannot run inside a transaction, so there (a test's) only
    ANALYZE. SQLite keeps no statistics unless asked, so it is left as a deployment's would be."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
