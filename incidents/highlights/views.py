"""Highlight reports: the LMNS's page of every plan's latest report (with its print and xlsx
exports), a plan's reports, and one report from draft to reviewed."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from incidents.highlights import exports, selectors, services
from incidents.highlights.forms import FilterForm, HighlightReportForm, ReviewForm, ScheduleForm
from incidents.highlights.models import HighlightReport
from incidents.improvement.models import ImprovementPlan
from lmns import access
from lmns.forms_service import run_service, save_with
from lmns.responses import xlsx_response


def _report(request, pk):
    return access.get_for_user(
        HighlightReport.objects.select_related("plan__provider", "plan__lmns", "submitted_by", "reviewed_by"),
        request.user,
        pk=pk,
    )


def _with_points(series_list):
    """Each measure's series with its latest points: what a report shows of its measures."""
    return [(series, selectors.latest_points(series)) for series in series_list]


def _rows(request):
    form = FilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.plan_reports(
        plans=selectors.provider_plans(user=request.user), today=timezone.localdate()
    )
    return form, selectors.filter_rows(
        rows,
        status=filters.get("status", ""),
        late=filters.get("late", False),
        plans=filters.get("plans", ""),
    )


@require_GET
def highlight_list(request):
    """Every plan the user may read, with its latest report and whether one is late."""
    form, rows = _rows(request)
    # Awaiting review lists reports rather than plans: a plan may have several months submitted.
    awaiting = form.is_valid() and form.cleaned_data["awaiting"]
    reports = (
        selectors.awaiting_review(user=request.user)
        .select_related("plan__provider", "submitted_by")
        .order_by("plan__provider__name", "plan__title", "month", "pk")
        if awaiting
        else None
    )
    return render(
        request,
        "incidents/highlights/report_list.html",
        {
            "filter_form": form,
            "rows": rows,
            "awaiting_reports": reports,
            "can_schedule": selectors.schedule_lmnss(request.user).exists(),
        },
    )


@require_GET
def highlight_workbook(request):
    _form, rows = _rows(request)
    return xlsx_response(
        exports.reports_workbook(rows=rows, generated_by=request.user), "highlight-reports.xlsx"
    )


def highlight_schedule(request):
    lmnss = list(selectors.schedule_lmnss(request.user))
    if not lmnss:
        raise PermissionDenied
    days = selectors.due_days([lmns.pk for lmns in lmnss])
    form = ScheduleForm(
        request.POST or None,
        lmnss=selectors.schedule_lmnss(request.user),
        initial={"due_day": days[lmnss[0].pk]},
    )
    if request.method == "POST" and form.is_valid():
        schedule = save_with(form, services.highlight_schedule_set, by=request.user, **form.cleaned_data)
        if schedule:
            messages.success(request, f"Reports for {schedule.lmns} are now due on day {schedule.due_day}.")
            return redirect("incidents:improvement-highlight-list")
    return render(
        request,
        "incidents/highlights/schedule_form.html",
        {"form": form, "days": [(lmns, days[lmns.pk]) for lmns in lmnss]},
    )


def _plan(request, pk):
    return access.get_for_user(
        ImprovementPlan.objects.select_related("provider", "lmns"), request.user, pk=pk
    )


@require_GET
def highlight_plan(request, pk):
    """The plan's reports, newest first, and whether this month's is late."""
    plan = _plan(request, pk)
    today = timezone.localdate()
    return render(
        request,
        "incidents/highlights/plan_reports.html",
        {
            "plan": plan,
            "tab": "highlights",
            "highlight": selectors.plan_state(plan=plan, today=today),
            "reports": plan.highlight_reports.select_related("submitted_by", "reviewed_by"),
            # Not once every month it may report on has its report, as a closed plan's soon does.
            "can_write": selectors.may_write(request.user, plan)
            and bool(selectors.month_choices(plan=plan, today=today)),
        },
    )


def highlight_create(request, pk):
    plan = _plan(request, pk)
    if not selectors.may_write(request.user, plan):
        raise PermissionDenied
    choices = selectors.month_choices(plan=plan, today=timezone.localdate())
    form = HighlightReportForm(request.POST or None, month_choices=choices)
    if request.method == "POST" and form.is_valid():
        report = save_with(
            form,
            services.highlight_report_create,
            plan=plan,
            month=form.cleaned_data["month"],
            by=request.user,
            **form.service_kwargs(),
        )
        if report:
            messages.success(request, "Draft saved. Submit it to the LMNS when it is ready.")
            return redirect(report)
    return render(
        request,
        "incidents/highlights/report_form.html",
        {"form": form, "plan": plan, "measures": _with_points(selectors.plan_series(plan=plan))},
    )


@require_GET
def highlight_detail(request, pk):
    report = _report(request, pk)
    return render(
        request,
        "incidents/highlights/report_detail.html",
        {
            "report": report,
            "plan": report.plan,
            "measures": _with_points(selectors.report_measures(report=report)),
            "can_edit": report.is_draft and selectors.may_write(request.user, report.plan),
            "can_submit": selectors.may_submit(request.user, report),
            "can_review": selectors.may_review(request.user, report),
        },
    )


def highlight_edit(request, pk):
    report = _report(request, pk)
    if not selectors.may_write(request.user, report.plan):
        raise PermissionDenied
    if not report.is_draft:
        messages.info(request, "This report has been submitted, so it can no longer be changed.")
        return redirect(report)
    form = HighlightReportForm(request.POST or None, instance=report)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form, services.highlight_report_update, report=report, by=request.user, **form.service_kwargs()
        )
    ):
        messages.success(request, "Draft saved.")
        return redirect(report)
    return render(
        request,
        "incidents/highlights/report_form.html",
        {
            "form": form,
            "plan": report.plan,
            "report": report,
            "measures": _with_points(selectors.report_measures(report=report)),
        },
    )


@require_POST
def highlight_submit(request, pk):
    report = _report(request, pk)
    if not access.can(request.user, "submit_highlight_report", report.plan.provider):
        raise PermissionDenied
    run_service(
        request,
        services.highlight_report_submit,
        "Report submitted to the LMNS.",
        report=report,
        by=request.user,
    )
    return redirect(report)


def highlight_review(request, pk):
    report = _report(request, pk)
    if not access.can(request.user, "review_highlight_report", report.plan.provider):
        raise PermissionDenied
    if not selectors.may_review(request.user, report):
        messages.info(request, "Only a submitted report can be reviewed.")
        return redirect(report)
    form = ReviewForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form,
            services.highlight_report_review,
            report=report,
            comment=form.cleaned_data["review_comment"],
            by=request.user,
        )
    ):
        messages.success(request, "Review saved. The provider sees your comment on the report.")
        return redirect(report)
    return render(request, "incidents/highlights/review_form.html", {"form": form, "report": report})
