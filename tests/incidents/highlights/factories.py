"""Plain factories for highlight reports (beside tests/incidents/improvement/factories.py)."""

from datetime import date

from django.utils import timezone

from incidents.highlights.models import HighlightReport, ReportStatus
from lmns.months import add_months
from tests.incidents.improvement.factories import improvement_record


def this_month() -> date:
    return timezone.localdate().replace(day=1)


def make_report(plan, *, by, month=None, **fields) -> HighlightReport:
    defaults = {"overall_status": "on_track", "progress": "Audited 40 CTGs; the huddle prompt is in use."}
    return HighlightReport.objects.create(
        plan=plan, month=month or this_month(), created_by=by, **{**defaults, **fields}
    )


def highlight_record(world, kind: str, provider) -> HighlightReport:
    """For the access matrix: a draft report on the world's plan of ``provider``, or a submitted
    one for the month before, made on first use."""
    records = world.records.setdefault(("highlights", provider.pk), {})
    if kind not in records:
        plan = improvement_record(world, "plan", provider)
        by = world.personas["superuser"]
        if kind == "draft":
            records[kind] = make_report(plan, by=by)
        else:
            records[kind] = make_report(
                plan,
                by=by,
                month=add_months(this_month(), -1),
                status=ReportStatus.SUBMITTED,
                submitted_by=by,
                submitted_at=timezone.now(),
            )
    return records[kind]
