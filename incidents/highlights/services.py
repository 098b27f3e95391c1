"""Every change to a highlight report and to an LMNS's due day.

Keyword-only and atomic; a rule that refuses a change raises ValidationError with a message for
the user. Callers check access first (``selectors.may_write``, ``may_submit``, ``may_review``).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.highlights.models import HighlightReport, HighlightSchedule, ReportStatus
from incidents.improvement.models import ImprovementPlan
from lmns.models import Lmns
from lmns.months import first_of_month

TEXT_FIELDS = frozenset(
    {"overall_status", "status_reason", "progress", "successes", "risks", "support_asked", "next_steps"}
)


def _apply(report: HighlightReport, fields: dict) -> None:
    if unknown := fields.keys() - TEXT_FIELDS:
        raise ValueError(f"{', '.join(sorted(unknown))} cannot be set on a highlight report.")
    for name, value in fields.items():
        setattr(report, name, value)
    report.full_clean()
    report.save()


@transaction.atomic
def highlight_report_create(*, plan: ImprovementPlan, month: date, by, **fields) -> HighlightReport:
    """Start a plan's report for ``month`` as a draft."""
    if plan.provider_id is None:
        raise ValueError("Only a provider's plan has highlight reports.")
    if month.day != 1:
        raise ValueError("Months are the first day of the month.")
    if month > timezone.localdate():
        raise ValidationError({"month": "Choose a month that has started"})
    if plan.closed_on and month > first_of_month(plan.closed_on):
        message = f"The plan closed on {plan.closed_on:%-d %B %Y}: choose {plan.closed_on:%B %Y} or before"
        raise ValidationError({"month": message})
    if HighlightReport.objects.filter(plan=plan, month=month).exists():
        raise ValidationError({"month": f"{month:%B %Y} already has a report: change that one"})
    report = HighlightReport(plan=plan, month=month, created_by=by)
    _apply(report, fields)
    return report


@transaction.atomic
def highlight_report_update(*, report: HighlightReport, by, **fields) -> HighlightReport:
    report = HighlightReport.objects.select_for_update().get(pk=report.pk)
    if not report.is_draft:
        raise ValidationError("This report has been submitted, so it can no longer be changed.")
    _apply(report, fields)
    return report


@transaction.atomic
def highlight_report_submit(*, report: HighlightReport, by) -> HighlightReport:
    """Send the draft to the LMNS; it needs an overall status and this month's progress."""
    report = HighlightReport.objects.select_for_update().get(pk=report.pk)
    if not report.is_draft:
        raise ValidationError("This report has already been submitted.")
    missing = [
        label
        for label, value in (
            ("the overall status", report.overall_status),
            ("progress this month", report.progress),
        )
        if not value.strip()
    ]
    if missing:
        raise ValidationError(f"Enter {' and '.join(missing)} before submitting the report.")
    report.full_clean()
    report.status = ReportStatus.SUBMITTED
    report.submitted_by, report.submitted_at = by, timezone.now()
    report.save()
    return report


@transaction.atomic
def highlight_report_review(*, report: HighlightReport, comment: str, by) -> HighlightReport:
    """The LMNS's review: a comment back to the provider, which closes the month's report."""
    report = HighlightReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError("Only a submitted report can be reviewed.")
    if report.submitted_by_id == by.pk:
        # The second pair of eyes is the point of a review.
        raise ValidationError("Someone other than the person who submitted the report must review it.")
    if not comment.strip():
        raise ValidationError({"review_comment": "Enter your comment for the provider"})
    report.status = ReportStatus.REVIEWED
    report.review_comment = comment.strip()
    report.reviewed_by, report.reviewed_at = by, timezone.now()
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def highlight_schedule_set(*, lmns: Lmns, due_day: int, by) -> HighlightSchedule:
    schedule = HighlightSchedule.objects.select_for_update().filter(lmns=lmns).first() or HighlightSchedule(
        lmns=lmns
    )
    schedule.due_day = due_day
    schedule.full_clean()
    schedule.save()
    return schedule
