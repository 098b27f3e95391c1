"""Two months of highlight reports on the demonstration plan (see incidents.improvement.demo):
the earlier one submitted and reviewed by the LMNS, the later one still a draft past its due
day, so the LMNS's page and the plan's page show a late report. And a plan of Vale Valley's
that closed three months ago, its last report reviewed, so that nothing more is due of it.

Running it again changes nothing: reports are only added to a plan that has none, and the
closed plan only to a provider that has no plan.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from incidents.highlights import services
from incidents.highlights.models import HighlightReport, report_due_on
from incidents.highlights.selectors import due_days, month_due
from incidents.improvement import services as improvement_services
from incidents.improvement.models import ImprovementPlan
from lmns.models import Lmns
from lmns.months import add_months, first_of_month

REVIEWED = {
    "overall_status": "on_track",
    "progress": "Audited 40 CTGs: 88% had every hourly fresh-eyes review documented, up from 82%. "
    "The sticker PDSA cycle ended and the huddle prompt began.",
    "successes": "Night shifts matched day shifts for the first time since the audit began.",
    "risks": "Two audit midwives are on leave next month; the audit may slip by a week.",
    "support_asked": "An LMNS analyst to check our SPC chart's baseline before we recalculate limits.",
    "next_steps": "Test the huddle prompt on the birth centre; share the sticker with Vale Valley.",
}
LATE_DRAFT = {
    "overall_status": "at_risk",
    "status_reason": "The audit slipped: only 22 of 40 CTGs were audited, so the month's figure is weak.",
    "progress": "Huddle prompt in use on the labour ward on most shifts.",
}
CLOSING_SUMMARY = (
    "Carbon monoxide screening at booking rose from 81% to 97% of women and has held for four months. "
    "The screening is now part of the booking checklist and the monthly maternity dashboard, which "
    "the antenatal clinic manager reviews."
)


def _dated(report: HighlightReport, due_day: int) -> None:
    """Submitted two days before its due day and reviewed four days after, as it would have been."""
    due_on = timezone.make_aware(
        timezone.datetime.combine(report_due_on(report.month, due_day), timezone.datetime.min.time())
    )
    HighlightReport.objects.filter(pk=report.pk).update(
        submitted_at=due_on - timedelta(days=2, hours=-10), reviewed_at=due_on + timedelta(days=4, hours=11)
    )


def _closed_plan(*, lmns: Lmns, users: dict, today, due_day: int) -> None:
    vale = lmns.providers.filter(ods_code="ZZB").first()
    if vale is None or vale.improvement_plans.exists():
        return
    lead, contributor = users["demo.lead.vale"], users["demo.contributor.vale"]
    plan = improvement_services.plan_create(
        by=lead,
        organisation=vale,
        title="Carbon monoxide screening at every booking",
        primary_driver="smoke-free",
        overarching_aim="Every woman is offered carbon monoxide screening at booking.",
        secondary_drivers=["Systems and processes"],
    )
    ImprovementPlan.objects.filter(pk=plan.pk).update(created_at=timezone.now() - timedelta(days=300))
    plan.refresh_from_db()
    last_month = add_months(first_of_month(today), -3)
    report = services.highlight_report_create(
        plan=plan,
        month=last_month,
        by=contributor,
        overall_status="on_track",
        progress="The fourth month at 97%: the team closes the plan, the checklist carries the work on.",
    )
    services.highlight_report_submit(report=report, by=lead)
    services.highlight_report_review(
        report=report,
        comment="Thank you: we will share the checklist at the next learning set.",
        by=users["demo.officer"],
    )
    _dated(report, due_day)
    improvement_services.plan_close(
        plan=plan, closed_on=last_month.replace(day=25), summary=CLOSING_SUMMARY, by=lead
    )


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    users = {user.username: user for user in get_user_model().objects.filter(username__startswith="demo.")}
    today = timezone.localdate()
    due_day = due_days([lmns.pk])[lmns.pk]
    _closed_plan(lmns=lmns, users=users, today=today, due_day=due_day)
    plan = ImprovementPlan.objects.filter(lmns=lmns, provider__ods_code="ZZA").first()
    if plan is None or plan.highlight_reports.exists():
        return
    # The plan has run for six months, as its values have, so its reports have been owed that long.
    ImprovementPlan.objects.filter(pk=plan.pk).update(created_at=timezone.now() - timedelta(days=190))
    plan.refresh_from_db()
    late_month = month_due(today=today, due_day=due_day, plan=plan)
    earlier = services.highlight_report_create(
        plan=plan, month=add_months(late_month, -1), by=users["demo.contributor"], **REVIEWED
    )
    services.highlight_report_submit(report=earlier, by=users["demo.lead"])
    services.highlight_report_review(
        report=earlier,
        comment="A strong month. We will ask the LMNS analyst to look at your baseline before the next "
        "SSIG, and will share your sticker with the other providers.",
        by=users["demo.officer"],
    )
    _dated(earlier, due_day)
    services.highlight_report_create(plan=plan, month=late_month, by=users["demo.lead"], **LATE_DRAFT)
