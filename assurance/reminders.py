"""Scheduled compliance emails: framework deadline reminders, the weekly overdue
action-plan list, and the LMNS officer's weekly verification digest.

Run by Celery beat through ``assurance.tasks``. Emails carry counts, requirement codes
and links, never provider commentary or action-plan text: mailboxes are forwarded,
shared and synced to phones, and the records they point to are behind sign-in and
per-provider access checks.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assurance.models import (
    DONE_STATUSES,
    Assessment,
    Deadline,
    Framework,
    Requirement,
    RequirementAssessment,
    Verification,
)
from lmns.access import users_who_can
from lmns.models import Lmns, Provider, Role
from lmns.notifications import absolute_url, iso_week, long_date, queue_email_once

# Each email is sent at most once: see lmns.notifications for how, and why the keys
# need timeouts this long.
DEADLINE_REMINDER_KEY_TIMEOUT = 2 * 24 * 60 * 60  # the key already names the day
WEEKLY_KEY_TIMEOUT = 8 * 24 * 60 * 60  # the key names the ISO week


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _leads(providers):
    """(person, provider) for everyone with an email address who submits ``providers``'
    assessments, by provider name."""
    return [
        (user, provider)
        for provider in Provider.objects.filter(pk__in=providers).select_related("lmns").order_by("name")
        for user in users_who_can("submit_assessment", provider).exclude(email="")
    ]


# --- Framework deadlines ----------------------------------------------------------------------


def framework_deadline_reminders_send(*, today: date | None = None, days_before=(30, 7, 1)) -> int:
    """Remind provider leads of a framework deadline exactly N days away, for N in
    ``days_before``, while their provider has requirements not yet met or not applicable.

    A provider that has not started its assessment is reminded too (everything is
    outstanding), but only where its LMNS has taken up the framework here, i.e. another
    provider in the LMNS has started it: frameworks are national, and a deployment may
    host an LMNS that tracks this framework elsewhere.

    Returns the number of emails queued. Safe to run more than once a day.
    """
    today = today or timezone.localdate()
    count = 0
    for days in days_before:
        deadlines = Deadline.objects.filter(due_on=today + timedelta(days=days)).select_related("framework")
        for deadline in deadlines.order_by("framework__pk", "pk"):
            count += _deadline_remind(deadline=deadline, days=days, today=today)
    return count


def _deadline_remind(*, deadline: Deadline, days: int, today: date) -> int:
    framework = deadline.framework
    total = Requirement.objects.filter(action__framework=framework).count()
    if not total:
        return 0
    assessments = {a.provider_id: a for a in Assessment.objects.filter(framework=framework)}
    # Counting what is done, not what is outstanding, also counts requirements added to
    # the framework after an assessment started (they have no row yet) as outstanding.
    done = dict(
        RequirementAssessment.objects.filter(assessment__framework=framework, status__in=DONE_STATUSES)
        .values_list("assessment__provider")
        .annotate(n=Count("pk"))
    )
    # Every provider of an LMNS where at least one provider has started (which includes
    # every provider that has started).
    adopted_lmnss = Provider.objects.filter(pk__in=list(assessments)).values("lmns")
    providers = Provider.objects.filter(lmns__in=adopted_lmnss)
    count = 0
    for user, provider in _leads(providers):
        outstanding = total - done.get(provider.pk, 0)
        if outstanding <= 0:
            continue
        assessment = assessments.get(provider.pk)
        if assessment:
            url = reverse("assurance:assessment-detail", kwargs={"pk": assessment.pk})
        else:
            url = reverse("assurance:framework-detail", kwargs={"slug": framework.slug})
        count += queue_email_once(
            key=f"assurance:deadline-reminder:{deadline.pk}:{provider.pk}:{user.pk}:{days}:{today}",
            timeout=DEADLINE_REMINDER_KEY_TIMEOUT,
            to=user.email,
            subject=(
                f"{framework}: {deadline.name} in {_plural(days, 'day')} ({long_date(deadline.due_on)})"
            ),
            body=render_to_string(
                "assurance/email/deadline_reminder.txt",
                {
                    "user": user,
                    "provider": provider,
                    "framework": framework,
                    "deadline": deadline,
                    "days": days,
                    "started": assessment is not None,
                    "outstanding": outstanding,
                    "total": total,
                    "url": absolute_url(url),
                },
            ),
        )
    return count


# --- Overdue action plans ---------------------------------------------------------------------


@dataclass(frozen=True)
class OverduePlan:
    """What the list may say about an action plan. Never its text or the commentary."""

    framework: str
    code: str
    owner: str
    due_on: date
    days_overdue: int
    url: str


def overdue_action_plan_reminders_send(*, today: date | None = None) -> int:
    """Email each provider's leads, once a week, the list of its overdue action plans.

    Action owners are free text (usually a role such as "Director of Midwifery"), not
    users, so the provider leads, who assign them, get the list. Plans in a framework
    version that a newer version has replaced are left out: they would never go away.

    Returns the number of emails queued. Sends at most one list per lead per provider
    per ISO week.
    """
    today = today or timezone.localdate()
    week = iso_week(today)
    items = (
        RequirementAssessment.objects.overdue_action_plans(today)
        .exclude(assessment__framework__in=Framework.objects.superseded())
        .select_related("assessment__framework", "requirement__action")
        .order_by("assessment__provider__pk", "action_due_on", "assessment__framework__pk", "pk")
    )
    by_provider: dict[int, list[OverduePlan]] = {}
    for item in items:
        by_provider.setdefault(item.assessment.provider_id, []).append(
            OverduePlan(
                framework=str(item.assessment.framework),
                code=item.requirement.code,
                owner=item.action_owner,
                due_on=item.action_due_on,
                days_overdue=(today - item.action_due_on).days,
                url=absolute_url(reverse("assurance:item-detail", kwargs={"pk": item.pk})),
            )
        )
    count = 0
    for user, provider in _leads(list(by_provider)):
        plans = by_provider[provider.pk]
        count += queue_email_once(
            key=f"assurance:overdue-plans:{provider.pk}:{user.pk}:{week}",
            timeout=WEEKLY_KEY_TIMEOUT,
            to=user.email,
            subject=f"{provider.name}: {_plural(len(plans), 'overdue compliance action plan')}",
            body=render_to_string(
                "assurance/email/overdue_action_plans.txt",
                {"user": user, "provider": provider, "plans": plans},
            ),
        )
    return count


# --- Weekly verification digest for LMNS officers ---------------------------------------------


@dataclass(frozen=True)
class AwaitingRow:
    provider: str
    framework: str
    awaiting: int
    url: str


def awaiting_verification_digest_send(*, today: date | None = None) -> int:
    """Email each LMNS officer the number of requirements awaiting verification, per
    provider and framework in their LMNS(s). Nothing is sent to an officer with none.

    Returns the number of emails queued. Sends at most one digest per officer per ISO week.
    """
    today = today or timezone.localdate()
    week = iso_week(today)
    counts = (
        Assessment.objects.annotate(
            awaiting=Count("items", filter=Q(items__verification=Verification.AWAITING))
        )
        .filter(awaiting__gt=0)
        .select_related("provider", "framework")
        .order_by("provider__name", "framework__name", "framework__version", "pk")
    )
    rows_by_lmns: dict[int, list[AwaitingRow]] = {}
    for assessment in counts:
        rows_by_lmns.setdefault(assessment.provider.lmns_id, []).append(
            AwaitingRow(
                provider=assessment.provider.name,
                framework=str(assessment.framework),
                awaiting=assessment.awaiting,
                url=absolute_url(reverse("assurance:assessment-detail", kwargs={"pk": assessment.pk})),
            )
        )
    # One digest per officer, even one who serves more than one LMNS: officers in order, and
    # each one's LMNSs by name.
    by_officer: dict = {}
    for lmns in Lmns.objects.filter(pk__in=list(rows_by_lmns)).order_by("name"):
        for user in users_who_can("verify", lmns, roles={Role.LMNS_OFFICER}).exclude(email=""):
            by_officer.setdefault(user, []).append((lmns, rows_by_lmns[lmns.pk]))
    by_officer = dict(sorted(by_officer.items(), key=lambda item: item[0].pk))
    count = 0
    for user, sections in by_officer.items():
        total = sum(row.awaiting for _, rows in sections for row in rows)
        count += queue_email_once(
            key=f"assurance:verification-digest:{user.pk}:{week}",
            timeout=WEEKLY_KEY_TIMEOUT,
            to=user.email,
            subject=f"{_plural(total, 'requirement')} awaiting LMNS verification",
            body=render_to_string(
                "assurance/email/awaiting_verification_digest.txt",
                {"user": user, "sections": sections, "total": total},
            ),
        )
    return count
