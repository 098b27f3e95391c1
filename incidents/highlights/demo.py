"""Two months of highlight reports on the demonstration plan (see incidents.improvement.demo):
the earlier one submitted and reviewed by the LMNS, the later one still a draft past its due
day, so the LMNS's page and the plan's page show a late report.

Running it again changes nothing: reports are only added to a plan that has none.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from incidents.highlights import services
from incidents.highlights.models import HighlightReport, report_due_on
from incidents.highlights.selectors import due_days, month_due
from incidents.improvement.models import ImprovementPlan
from lmns.models import Lmns
from lmns.months import add_months

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


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    plan = ImprovementPlan.objects.filter(lmns=lmns, provider__ods_code="ZZA").first()
    if plan is None or plan.highlight_reports.exists():
        return
    users = {user.username: user for user in get_user_model().objects.filter(username__startswith="demo.")}
    today = timezone.localdate()
    # The plan has run for six months, as its values have, so its reports have been owed that long.
    ImprovementPlan.objects.filter(pk=plan.pk).update(created_at=timezone.now() - timedelta(days=190))
    plan.refresh_from_db()
    due_day = due_days([lmns.pk])[lmns.pk]
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
    # Submitted two days before its due day and reviewed four days after, as it would have been.
    due_on = timezone.make_aware(
        timezone.datetime.combine(report_due_on(earlier.month, due_day), timezone.datetime.min.time())
    )
    HighlightReport.objects.filter(pk=earlier.pk).update(
        submitted_at=due_on - timedelta(days=2, hours=-10), reviewed_at=due_on + timedelta(days=4, hours=11)
    )
    services.highlight_report_create(plan=plan, month=late_month, by=users["demo.lead"], **LATE_DRAFT)
