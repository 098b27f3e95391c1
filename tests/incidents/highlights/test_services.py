from datetime import date

import pytest
from django.core.exceptions import ValidationError

from incidents.highlights import services
from incidents.highlights.models import HighlightSchedule, ReportStatus, report_due_on
from incidents.highlights.selectors import month_due, plan_reports, report_measures
from incidents.improvement.models import ImprovementPlan
from incidents.improvement.selectors import plan_series
from tests.incidents.highlights.factories import make_report
from tests.incidents.improvement.factories import make_plan

pytestmark = pytest.mark.django_db


def test_a_report_goes_from_draft_to_submitted_to_reviewed(plan, contributor, lead, officer):
    report = services.highlight_report_create(
        plan=plan, month=date(2026, 5, 1), by=contributor, overall_status="on_track", progress="Audit done."
    )
    assert report.status == ReportStatus.DRAFT
    services.highlight_report_submit(report=report, by=lead)
    report.refresh_from_db()
    assert (report.status, report.submitted_by) == (ReportStatus.SUBMITTED, lead)
    with pytest.raises(ValidationError, match="no longer be changed"):
        services.highlight_report_update(report=report, by=lead, progress="Changed afterwards")
    services.highlight_report_review(report=report, comment="Good month.", by=officer)
    report.refresh_from_db()
    assert (report.status, report.review_comment, report.reviewed_by) == (
        ReportStatus.REVIEWED,
        "Good month.",
        officer,
    )
    # Each step is kept in the report's history.
    assert [h.status for h in report.history.order_by("history_date")] == ["draft", "submitted", "reviewed"]


def test_a_plan_not_on_track_needs_a_reason(plan, lead):
    with pytest.raises(ValidationError) as error:
        services.highlight_report_create(
            plan=plan, month=date(2026, 5, 1), by=lead, overall_status="off_track"
        )
    assert error.value.message_dict == {"status_reason": ["Enter why the plan is off track"]}


def test_submitting_needs_a_status_and_progress(plan, lead):
    report = services.highlight_report_create(plan=plan, month=date(2026, 5, 1), by=lead)
    with pytest.raises(ValidationError, match="Enter the overall status and progress this month"):
        services.highlight_report_submit(report=report, by=lead)


def test_one_report_a_month_and_none_for_a_month_not_started(plan, lead):
    make_report(plan, by=lead, month=date(2026, 5, 1))
    with pytest.raises(ValidationError, match="already has a report"):
        services.highlight_report_create(plan=plan, month=date(2026, 5, 1), by=lead)
    with pytest.raises(ValidationError, match="Choose a month that has started"):
        services.highlight_report_create(plan=plan, month=date(2099, 1, 1), by=lead)


def test_an_lmns_plan_has_no_highlight_reports(lmns, lead):
    with pytest.raises(ValueError):
        services.highlight_report_create(plan=make_plan(lmns=lmns), month=date(2026, 5, 1), by=lead)


def test_the_submitter_cannot_review_their_own_report(plan, officer):
    report = make_report(plan, by=officer, status=ReportStatus.SUBMITTED, submitted_by=officer)
    with pytest.raises(ValidationError, match="Someone other than"):
        services.highlight_report_review(report=report, comment="Fine.", by=officer)


def test_a_draft_cannot_be_reviewed_and_a_review_needs_a_comment(plan, lead, officer):
    report = make_report(plan, by=lead)
    with pytest.raises(ValidationError, match="Only a submitted report"):
        services.highlight_report_review(report=report, comment="Fine.", by=officer)
    services.highlight_report_submit(report=report, by=lead)
    with pytest.raises(ValidationError):
        services.highlight_report_review(report=report, comment="  ", by=officer)


def test_the_due_day_is_the_lmnss_own_or_the_10th(plan, lmns, officer):
    assert month_due(today=date(2026, 6, 10), due_day=10, plan=plan) == date(2026, 4, 1)
    assert month_due(today=date(2026, 6, 11), due_day=10, plan=plan) == date(2026, 5, 1)
    assert report_due_on(date(2026, 12, 1), 10) == date(2027, 1, 10)
    [row] = plan_reports(plans=ImprovementPlan.objects.filter(pk=plan.pk), today=date(2026, 6, 11))
    assert (row.due_month, row.due_on, row.late) == (date(2026, 5, 1), date(2026, 6, 10), True)
    services.highlight_schedule_set(lmns=lmns, due_day=20, by=officer)
    [row] = plan_reports(plans=ImprovementPlan.objects.filter(pk=plan.pk), today=date(2026, 6, 11))
    assert (row.due_month, row.due_on) == (date(2026, 4, 1), date(2026, 5, 20))
    with pytest.raises(ValidationError):
        services.highlight_schedule_set(lmns=lmns, due_day=31, by=officer)
    assert HighlightSchedule.objects.get(lmns=lmns).due_day == 20


def test_a_report_is_late_until_submitted_and_never_before_the_plan_began(plan, lead):
    def row(today):
        return plan_reports(plans=ImprovementPlan.objects.filter(pk=plan.pk), today=today)[0]

    assert row(date(2026, 1, 20)).late is False  # nothing is due before the plan's first month ends
    assert row(date(2026, 2, 11)).late is True
    report = make_report(plan, by=lead, month=date(2026, 1, 1))
    assert row(date(2026, 2, 11)).late is True  # a draft is still late
    services.highlight_report_submit(report=report, by=lead)
    assert row(date(2026, 2, 11)).late is False
    assert row(date(2026, 2, 11)).latest == report


def test_a_reports_measures_stop_at_its_month_and_read_as_the_plan_does(plan, lead):
    report = make_report(plan, by=lead, month=date(2026, 4, 1))
    [series] = report_measures(report=report)
    assert series.months[-1] == date(2026, 4, 1)
    assert [float(v) for v in series.values] == [74, 78, 82, 86]
    [whole] = plan_series(plan=plan)
    # The same months through the plan's own series give the same reading.
    whole.months, whole.values = whole.months[:4], whole.values[:4]
    assert series.spc.summary == whole.spc.summary
