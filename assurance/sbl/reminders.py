"""The weekly Saving Babies' Lives reminders: to a provider's leads while the quarter just ended
is due or overdue and not yet submitted, and to the LMNS staff who validate while a quarter
awaits them.

Run by Celery beat through ``assurance.tasks``. Like every scheduled email here each carries the
provider, the quarter, its dates and a link; never an answer, a note or a percentage. Who is
told comes from the roles that may do the thing asked (lmns.access.ACTION_ROLES). See
lmns.notifications for why each email goes at most once.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assurance.sbl.models import (
    EDITABLE_STATES,
    SblAssessment,
    SblState,
    quarter_due_on,
    quarter_label,
    quarter_start_of,
)
from lmns.access import users_who_can
from lmns.models import Lmns, Provider
from lmns.notifications import absolute_url, iso_week, queue_email_once

WEEKLY_KEY_TIMEOUT = 8 * 24 * 60 * 60  # the key names the ISO week
# Leads are first reminded this long before the due date.
DUE_SOON = timedelta(days=14)


def quarter_to_report(today: date) -> date:
    """The quarter whose self-assessment falls due next: the last one to have ended."""
    this_quarter = quarter_start_of(today)
    month = this_quarter.month - 3
    return date(this_quarter.year - (month < 1), (month - 1) % 12 + 1, 1)


def due_reminders_send(*, today: date | None = None) -> int:
    """Email each provider lead, once a week from two weeks before the due date, while their
    provider has not submitted the quarter just ended. Only in LMNSs that assess Saving Babies'
    Lives here (a provider of theirs has started a quarter): a deployment may host an LMNS that
    tracks it elsewhere. Returns the number of emails queued."""
    today = today or timezone.localdate()
    quarter = quarter_to_report(today)
    due_on = quarter_due_on(quarter)
    if today < due_on - DUE_SOON:
        return 0
    assessments = {
        a.provider_id: a
        for a in SblAssessment.objects.filter(quarter_start=quarter).only("pk", "provider_id", "state")
    }
    adopted = Provider.objects.filter(sbl_assessments__isnull=False).values("lmns")
    leads = [
        (provider, lead)
        for provider in Provider.objects.filter(lmns__in=adopted).order_by("name")
        for lead in users_who_can("submit_assessment", provider).exclude(email="")
    ]
    week, label = iso_week(today), quarter_label(quarter)
    count = 0
    for provider, lead in leads:
        assessment = assessments.get(provider.pk)
        if assessment is not None and assessment.state not in EDITABLE_STATES:
            continue  # submitted: with the LMNS now, or validated
        if assessment is not None:
            url = assessment.get_absolute_url()
        else:
            url = f"{reverse('assurance:sbl-start')}?provider={provider.ods_code}"
        overdue = (today - due_on).days
        when = f"{overdue} day{'s' if overdue != 1 else ''} overdue" if overdue > 0 else "due"
        count += queue_email_once(
            key=f"assurance:sbl-due:{provider.pk}:{quarter:%Y-%m}:{lead.pk}:{week}",
            timeout=WEEKLY_KEY_TIMEOUT,
            to=lead.email,
            subject=f"Saving Babies' Lives self-assessment {when}: {provider.name}, {label}",
            body=render_to_string(
                "assurance/email/sbl_due.txt",
                {
                    "lead": lead,
                    "provider": provider,
                    "quarter": label,
                    "due_on": due_on,
                    "days_overdue": max(overdue, 0),
                    "assessment": assessment,
                    "url": absolute_url(url),
                },
            ),
        )
    return count


@dataclass(frozen=True)
class AwaitingQuarter:
    provider: str
    quarter: str
    submitted_on: date | None
    url: str


def awaiting_validation_reminders_send(*, today: date | None = None) -> int:
    """Email each member of LMNS staff who validates quarters (an officer or safety lead) the
    quarters of their LMNS's providers awaiting validation, once a week; nothing to one with
    none. Returns the number of emails queued."""
    today = today or timezone.localdate()
    waiting = (
        SblAssessment.objects.filter(state=SblState.AWAITING)
        .select_related("provider")
        .order_by("provider__name", "quarter_start")
    )
    by_lmns: dict[int, list[AwaitingQuarter]] = {}
    for assessment in waiting:
        submitted = assessment.submitted_at
        by_lmns.setdefault(assessment.provider.lmns_id, []).append(
            AwaitingQuarter(
                provider=assessment.provider.name,
                quarter=assessment.quarter_label,
                submitted_on=timezone.localdate(submitted) if submitted else None,
                url=absolute_url(assessment.get_absolute_url()),
            )
        )
    # One email each, even to someone who validates for more than one LMNS or holds both roles:
    # people in order, and each one's LMNSs by name.
    by_user: dict = {}
    for lmns in Lmns.objects.filter(pk__in=list(by_lmns)).order_by("name"):
        for user in users_who_can("verify", lmns).exclude(email=""):
            by_user.setdefault(user, {})[lmns] = by_lmns[lmns.pk]
    by_user = dict(sorted(by_user.items(), key=lambda item: item[0].pk))
    week = iso_week(today)
    count = 0
    for user, lmnss in by_user.items():
        sections = list(lmnss.items())
        total = sum(len(rows) for _, rows in sections)
        count += queue_email_once(
            key=f"assurance:sbl-awaiting:{user.pk}:{week}",
            timeout=WEEKLY_KEY_TIMEOUT,
            to=user.email,
            subject=(
                f"{total} Saving Babies' Lives quarter{'s' if total != 1 else ''} awaiting LMNS validation"
            ),
            body=render_to_string(
                "assurance/email/sbl_awaiting_validation.txt",
                {"user": user, "sections": sections, "total": total},
            ),
        )
    return count
