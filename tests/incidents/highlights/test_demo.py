import pytest
from django.utils import timezone

from incidents import demo as incidents_demo
from incidents.highlights import demo
from incidents.highlights.models import HighlightReport, ReportStatus
from incidents.highlights.selectors import plan_reports
from incidents.improvement import demo as improvement_demo
from incidents.improvement.models import ImprovementPlan
from lmns.demo import demo_seed as lmns_demo_seed

pytestmark = pytest.mark.django_db


def test_two_months_of_reports_the_later_one_late():
    lmns = lmns_demo_seed().lmns
    incidents_demo.demo_seed(lmns=lmns)
    improvement_demo.demo_seed(lmns=lmns)
    demo.demo_seed(lmns=lmns)
    demo.demo_seed(lmns=lmns)  # again: nothing more
    earlier, later = HighlightReport.objects.filter(plan__provider__ods_code="ZZA").order_by("month")
    assert (earlier.status, later.status) == (ReportStatus.REVIEWED, ReportStatus.DRAFT)
    assert earlier.review_comment and later.overall_status == "at_risk"
    assert earlier.month < earlier.submitted_at.date() < earlier.reviewed_at.date() < timezone.localdate()
    row, closed = plan_reports(
        plans=ImprovementPlan.objects.order_by("provider__ods_code"), today=timezone.localdate()
    )
    assert row.late and row.due_report == later
    # Vale Valley's plan closed three months ago with its last report reviewed: nothing is due.
    assert closed.plan.is_closed and closed.plan.closing_summary
    assert closed.finished and closed.due_report.status == ReportStatus.REVIEWED
