"""Reads for highlight reports: when each is due, which are late, the LMNS's page of every plan's
latest report, and a report's measures as the plan's run and SPC charts read them."""

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from incidents.highlights.models import (
    DEFAULT_DUE_DAY,
    HighlightReport,
    HighlightSchedule,
    ReportStatus,
    report_due_on,
)
from incidents.improvement.models import ImprovementPlan
from incidents.improvement.selectors import MeasureSeries, plan_series
from lmns.access import can, lmnss_where, providers_where
from lmns.months import add_months, first_of_month

SUBMITTED = (ReportStatus.SUBMITTED, ReportStatus.REVIEWED)


def due_days(lmns_ids) -> dict[int, int]:
    """Each LMNS's due day, the default where it has not set one: one query for any number."""
    days = dict(HighlightSchedule.objects.filter(lmns__in=lmns_ids).values_list("lmns", "due_day"))
    return {lmns_id: days.get(lmns_id, DEFAULT_DUE_DAY) for lmns_id in lmns_ids}


def first_month_owed(plan: ImprovementPlan) -> date:
    """A plan owes a report from the month it was started in: a plan started on the 20th still
    has ten days of work to report on."""
    return first_of_month(timezone.localtime(plan.created_at).date())


def last_month_owed(plan: ImprovementPlan) -> date | None:
    """A closed plan owes a report for the month it closed in, as for the month it started in,
    and none from the month after; an open plan, every month."""
    return first_of_month(plan.closed_on) if plan.closed_on else None


def owes_report(plan: ImprovementPlan, month: date) -> bool:
    last = last_month_owed(plan)
    return first_month_owed(plan) <= month and (last is None or month <= last)


def month_due(*, today: date, due_day: int, plan: ImprovementPlan) -> date | None:
    """The latest month whose report is past due today (for a closed plan, the month it closed
    in at the latest), or None if the plan started since."""
    month = add_months(first_of_month(today), -1)
    if report_due_on(month, due_day) >= today:
        month = add_months(month, -1)
    if (last := last_month_owed(plan)) and month > last:
        month = last
    return month if owes_report(plan, month) else None


@dataclass
class PlanReports:
    """A plan with its latest report and whether the report past due has been submitted."""

    plan: ImprovementPlan
    latest: HighlightReport | None
    due_month: date | None  # the latest month past due
    due_report: HighlightReport | None  # that month's report, if one has been started
    due_on: date | None

    @property
    def late(self) -> bool:
        return self.due_month is not None and (
            self.due_report is None or self.due_report.status not in SUBMITTED
        )

    @property
    def finished(self) -> bool:
        """A closed plan whose last month's report is past due and submitted: none is due now."""
        return self.plan.is_closed and self.due_month == last_month_owed(self.plan) and not self.late


def provider_plans(*, user):
    """Provider plans the user may read: only a provider's plans have highlight reports, since
    they are the provider's report to its LMNS (an LMNS-wide plan is the LMNS's own)."""
    return (
        ImprovementPlan.objects.visible_to(user)
        .filter(provider__isnull=False)
        .select_related("provider", "lmns")
        .order_by("provider__name", "title", "pk")
    )


def plan_reports(*, plans, today: date) -> list[PlanReports]:
    """Each plan's latest report and its state against the due day, in four queries."""
    latest = HighlightReport.objects.filter(plan=OuterRef("pk")).order_by("-month").values("pk")[:1]
    plans = list(plans.annotate(latest_report=Subquery(latest)))
    days = due_days({plan.lmns_id for plan in plans})
    due = {plan.pk: month_due(today=today, due_day=days[plan.lmns_id], plan=plan) for plan in plans}
    wanted = {plan.latest_report for plan in plans if plan.latest_report}
    reports = HighlightReport.objects.filter(pk__in=wanted) | HighlightReport.objects.filter(
        plan__in=[plan.pk for plan in plans], month__in={month for month in due.values() if month}
    )
    by_pk = {report.pk: report for report in reports.select_related("submitted_by", "reviewed_by")}
    by_month = {(report.plan_id, report.month): report for report in by_pk.values()}
    return [
        PlanReports(
            plan=plan,
            latest=by_pk.get(plan.latest_report),
            due_month=due[plan.pk],
            due_report=by_month.get((plan.pk, due[plan.pk])),
            due_on=report_due_on(due[plan.pk], days[plan.lmns_id]) if due[plan.pk] else None,
        )
        for plan in plans
    ]


def filter_rows(
    rows: list[PlanReports], *, status: str = "", late: bool = False, plans: str = ""
) -> list[PlanReports]:
    """``status`` is a report status, or "none" for plans with no report yet; ``plans`` is
    "open" or "closed" for those plans only."""
    if plans:
        rows = [row for row in rows if row.plan.is_closed == (plans == "closed")]
    if status == "none":
        rows = [row for row in rows if row.latest is None]
    elif status:
        rows = [row for row in rows if row.latest is not None and row.latest.status == status]
    if late:
        rows = [row for row in rows if row.late]
    return rows


def awaiting_review(*, user):
    """Every submitted report the user may review and nobody has yet, each month's not only the
    latest: the officer's home page counts these, and the list it links to shows them."""
    return HighlightReport.objects.visible_to(user).filter(
        plan__provider__in=providers_where(user, "review_highlight_report"),
        status=ReportStatus.SUBMITTED,
    )


def plan_state(*, plan: ImprovementPlan, today: date) -> PlanReports | None:
    """The plan page's flag: None for an LMNS-wide plan, which has no highlight reports."""
    if not plan.provider_id:
        return None
    return plan_reports(plans=ImprovementPlan.objects.filter(pk=plan.pk), today=today)[0]


def report_measures(*, report: HighlightReport) -> list[MeasureSeries]:
    """The plan's measures up to the month reported on, each with its chart and reading.

    Cut from ``plan_series``, so that the reading is the one the plan's Measurement tab gives
    for the same months: the same MeasureSeries, hence the same xmr call.
    """
    cut = []
    for series in plan_series(plan=report.plan):
        keep = sum(1 for month in series.months if month <= report.month)
        cut.append(
            MeasureSeries(
                measure=series.measure,
                months=series.months[:keep],
                values=series.values[:keep],
                cycles=series.cycles,
            )
        )
    return cut


def latest_points(series: MeasureSeries, count: int = 3) -> list[tuple[date, object]]:
    """The last ``count`` months with a value, latest last."""
    points = zip(series.months, series.values, strict=True)
    return [(month, value) for month, value in points if value is not None][-count:]


def month_choices(*, plan: ImprovementPlan, today: date) -> list[tuple[str, str]]:
    """Months a new report may be for: from the plan's start (or a year back) to this month, or
    to the month it closed in, latest first, leaving out those already reported on."""
    this_month = first_of_month(today)
    month = max(first_month_owed(plan), date(this_month.year - 1, this_month.month, 1))
    last = min(this_month, last_month_owed(plan) or this_month)
    taken = set(plan.highlight_reports.values_list("month", flat=True))
    months = []
    while month <= last:
        if month not in taken:
            months.append(month)
        month = add_months(month, 1)
    return [(month.isoformat(), f"{month:%B %Y}") for month in reversed(months)]


def may_write(user, plan: ImprovementPlan) -> bool:
    return plan.provider_id is not None and can(user, "write_highlight_report", plan.provider)


def may_submit(user, report: HighlightReport) -> bool:
    return report.is_draft and can(user, "submit_highlight_report", report.plan.provider)


def may_review(user, report: HighlightReport) -> bool:
    return report.status == ReportStatus.SUBMITTED and can(
        user, "review_highlight_report", report.plan.provider
    )


def schedule_lmnss(user):
    """LMNSs whose due day the user may set: those whose reports they review."""
    return lmnss_where(user, "review_highlight_report")
