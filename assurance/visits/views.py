"""Assurance visits: the calendar, planning, the pre-visit pack, the day, the report,
and the recommendations that follow."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assurance.visits import exports, selectors, services
from assurance.visits.filters import RecommendationFilter, VisitFilter
from assurance.visits.forms import (
    FindingForm,
    RecommendationForm,
    ReportIssueForm,
    RespondForm,
    ReviewForm,
    StaffFeedbackForm,
    VisitForm,
)
from assurance.visits.models import (
    Finding,
    FindingKind,
    Recommendation,
    RecommendationStatus,
    StaffFeedback,
    Visit,
    VisitReport,
    VisitStatus,
)
from lmns import access, query
from lmns.forms_service import run_service, save_with
from lmns.pagination import paginate
from lmns.responses import xlsx_response

VISIT_RELATED = ("provider__lmns", "created_by")


def visit_list(request):
    """The visit calendar: upcoming visits by month unless the filters ask for others."""
    visits = Visit.objects.visible_to(request.user).select_related("provider").prefetch_related("units")
    data = request.GET.copy()
    data.setdefault("when", "upcoming")
    filterset = VisitFilter(data, queryset=visits, request=request)
    overdue = Recommendation.objects.visible_to(request.user).overdue()
    return render(
        request,
        "assurance/visits/visit_list.html",
        {
            "filter": filterset,
            "page": paginate(request, filterset.qs),
            "overdue_count": overdue.count(),
            "can_plan": access.providers_where(request.user, "run_visits").exists(),
        },
    )


def visit_create(request):
    form = VisitForm(request.POST or None, user=request.user)
    if not form.fields["provider"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        visit = save_with(form, services.visit_create, by=request.user, **form.service_kwargs())
        if visit:
            messages.success(request, "Visit planned.")
            return redirect(visit)
    return render(request, "assurance/visits/visit_form.html", {"form": form})


def visit_edit(request, pk):
    visit = access.get_for_user(
        Visit.objects.select_related("provider"), request.user, action="run_visits", pk=pk
    )
    form = VisitForm(
        request.POST or None, user=request.user, visit=visit, initial=VisitForm.initial_for(visit)
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.visit_update, visit=visit, by=request.user, **form.service_kwargs())
    ):
        messages.success(request, "Visit updated.")
        return redirect(visit)
    return render(request, "assurance/visits/visit_form.html", {"form": form, "visit": visit})


def visit_detail(request, pk):
    visit = access.get_for_user(
        selectors.visit_with_sections(Visit.objects.select_related(*VISIT_RELATED)), request.user, pk=pk
    )
    can_run = access.can(request.user, "run_visits", visit.provider)
    findings = sorted(
        visit.findings.select_related("unit", "recorded_by").prefetch_related("recommendations"),
        key=lambda finding: (
            finding.kind != FindingKind.IMMEDIATE,
            visit.section_position(finding.domain),
            finding.pk,
        ),
    )
    return render(
        request,
        "assurance/visits/visit_detail.html",
        {
            "visit": visit,
            "can_run": can_run,
            "immediate": [finding for finding in findings if finding.is_immediate],
            "findings": findings,
            "sections": selectors.lines_by_section(visit),
            "team": visit.team.all(),
            "units": visit.units.all(),
            # Through the door, as every other read of staff feedback: None hides the section.
            "feedback": StaffFeedback.objects.visible_to(request.user).filter(visit=visit)
            if access.reads_staff_feedback(request.user, visit.provider)
            else None,
            "recommendations": visit.recommendations.select_related("owner", "finding"),
            "reports": list(visit.reports.select_related("issued_by")),
            "transitions": [s for s in visit.allowed_transitions() if s != VisitStatus.REPORT_ISSUED],
        },
    )


@require_POST
def visit_transition(request, pk):
    visit = access.get_for_user(Visit.objects, request.user, action="run_visits", pk=pk)
    target = request.POST.get("to_status", "")
    if target not in VisitStatus.values:
        messages.error(request, "Choose what the visit should become.")
        return redirect(visit)
    run_service(
        request,
        services.visit_transition,
        f"Visit marked {VisitStatus(target).label.lower()}.",
        visit=visit,
        to_status=target,
        by=request.user,
    )
    return redirect(visit)


@require_GET
def visit_pack(request, pk):
    visit = access.get_for_user(Visit.objects.select_related("provider"), request.user, pk=pk)
    pack = selectors.previsit_pack(visit=visit, user=request.user)
    return render(request, "assurance/visits/visit_pack.html", {"visit": visit, "pack": pack})


@require_GET
def visit_pack_workbook(request, pk):
    visit = access.get_for_user(Visit.objects.select_related("provider"), request.user, pk=pk)
    pack = selectors.previsit_pack(visit=visit, user=request.user)
    workbook = exports.previsit_pack_workbook(pack=pack, visit=visit, generated_by=request.user)
    return xlsx_response(workbook, f"pre-visit-pack-{visit.provider.ods_code}-{visit.visit_on}.xlsx")


# --- On the day ---------------------------------------------------------------------------------


def _report_escalation(request, finding, done: str):
    if not finding.is_immediate:
        messages.success(request, done)
    elif finding.escalated_at:
        messages.success(request, f"{done} The LMNS safety lead has been emailed.")
    else:
        messages.warning(
            request,
            f"{done} No LMNS safety lead with an email address could be told: "
            "tell the safety lead by phone now.",
        )


def finding_create(request, pk):
    visit = access.get_for_user(
        Visit.objects.select_related("provider"), request.user, action="run_visits", pk=pk
    )
    form = FindingForm(request.POST or None, visit=visit)
    if request.method == "POST" and form.is_valid():
        finding = save_with(form, services.finding_record, visit=visit, by=request.user, **form.cleaned_data)
        if finding:
            _report_escalation(request, finding, "Finding recorded.")
            return redirect(visit)
    return render(
        request, "assurance/visits/visit_record_form.html", {"form": form, "visit": visit, "what": "finding"}
    )


def finding_edit(request, pk):
    finding = access.get_for_user(
        Finding.objects.select_related("visit__provider"), request.user, action="run_visits", pk=pk
    )
    visit = finding.visit
    form = FindingForm(request.POST or None, instance=finding, visit=visit)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.finding_update, finding=finding, by=request.user, **form.cleaned_data)
    ):
        finding.refresh_from_db(fields=["kind", "escalated_at"])
        _report_escalation(request, finding, "Finding updated.")
        return redirect(visit)
    return render(
        request, "assurance/visits/visit_record_form.html", {"form": form, "visit": visit, "what": "finding"}
    )


def feedback_create(request, pk):
    visit = access.get_for_user(
        Visit.objects.select_related("provider"), request.user, action="run_visits", pk=pk
    )
    form = StaffFeedbackForm(request.POST or None, visit=visit)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.staff_feedback_record, visit=visit, by=request.user, **form.cleaned_data)
    ):
        messages.success(request, "Staff feedback recorded.")
        return redirect(visit)
    return render(
        request, "assurance/visits/visit_record_form.html", {"form": form, "visit": visit, "what": "feedback"}
    )


# --- Recommendations ----------------------------------------------------------------------------


def recommendation_list(request):
    recommendations = (
        Recommendation.objects.visible_to(request.user)
        .select_related("visit__provider", "visit__template", "owner", "finding")
        .prefetch_related("visit__template__sections")
    )
    filterset = RecommendationFilter(request.GET, queryset=recommendations, request=request)
    return render(
        request,
        "assurance/visits/recommendation_list.html",
        {"filter": filterset, "page": paginate(request, filterset.qs), "today": timezone.localdate()},
    )


def recommendation_create(request, pk):
    visit = access.get_for_user(
        Visit.objects.select_related("provider"), request.user, action="run_visits", pk=pk
    )
    finding = query.optional_id(request.GET, "finding")
    initial = {"finding": finding} if finding is not None else {}
    form = RecommendationForm(request.POST or None, visit=visit, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.recommendation_create, visit=visit, by=request.user, **form.cleaned_data)
    ):
        messages.success(request, "Recommendation added.")
        return redirect(visit)
    return render(
        request,
        "assurance/visits/visit_record_form.html",
        {"form": form, "visit": visit, "what": "recommendation"},
    )


def recommendation_edit(request, pk):
    recommendation = access.get_for_user(
        Recommendation.objects.select_related("visit__provider"), request.user, action="run_visits", pk=pk
    )
    visit = recommendation.visit
    form = RecommendationForm(request.POST or None, instance=recommendation, visit=visit)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form,
            services.recommendation_update,
            recommendation=recommendation,
            by=request.user,
            **form.cleaned_data,
        )
    ):
        messages.success(request, "Recommendation updated.")
        return redirect(recommendation)
    return render(
        request,
        "assurance/visits/visit_record_form.html",
        {"form": form, "visit": visit, "what": "recommendation"},
    )


def recommendation_detail(request, pk):
    recommendation = access.get_for_user(
        Recommendation.objects.select_related(
            "visit__provider", "visit__template", "owner", "finding", "created_by"
        ),
        request.user,
        pk=pk,
    )
    provider = recommendation.visit.provider
    awaiting = recommendation.status == RecommendationStatus.AWAITING_REVIEW
    can_respond = (
        access.can(request.user, "respond_recommendation", provider)
        and recommendation.visit.report_issued
        and recommendation.status == RecommendationStatus.OPEN
    )
    return render(
        request,
        "assurance/visits/recommendation_detail.html",
        {
            "recommendation": recommendation,
            "updates": recommendation.updates.select_related("by", "evidence"),
            "can_run": access.can(request.user, "run_visits", provider),
            "respond_form": RespondForm() if can_respond else None,
            "review_form": ReviewForm()
            if awaiting and access.can(request.user, "run_visits", provider)
            else None,
        },
    )


def recommendation_respond(request, pk):
    recommendation = access.get_for_user(
        Recommendation.objects.select_related("visit__provider"),
        request.user,
        action="respond_recommendation",
        pk=pk,
    )
    form = RespondForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        update = save_with(
            form,
            services.recommendation_respond,
            recommendation=recommendation,
            by=request.user,
            **form.cleaned_data,
        )
        if update:
            closing = update.kind == "closure_requested"
            messages.success(request, "Sent to the LMNS to close." if closing else "Progress recorded.")
            return redirect(recommendation)
    return render(
        request,
        "assurance/visits/recommendation_respond.html",
        {"form": form, "recommendation": recommendation},
    )


@require_POST
def recommendation_review(request, pk):
    recommendation = access.get_for_user(Recommendation.objects, request.user, action="run_visits", pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        close = form.cleaned_data["decision"] == "close"
        run_service(
            request,
            services.recommendation_review,
            "Recommendation closed." if close else "Sent back to the provider.",
            recommendation=recommendation,
            by=request.user,
            close=close,
            comment=form.cleaned_data["comment"],
        )
    else:
        messages.error(request, "Choose whether to close the recommendation or send it back.")
    return redirect(recommendation)


# --- The report ---------------------------------------------------------------------------------


def _draft_view(visit):
    content = selectors.report_content(visit=visit)
    latest = visit.reports.order_by("-version").first()
    return selectors.report_view(content), latest, latest is None or latest.content != content


def visit_report(request, pk):
    """The draft report, drawn live from the visit, with the form to issue it."""
    visit = access.get_for_user(Visit.objects.select_related("provider"), request.user, pk=pk)
    can_run = access.can(request.user, "run_visits", visit.provider)
    if request.method == "POST" and not can_run:
        raise PermissionDenied
    view, latest, changed = _draft_view(visit)
    # Bound on any POST: issuing the first version posts no fields at all.
    form = ReportIssueForm(request.POST if request.method == "POST" else None) if can_run else None
    if request.method == "POST" and form.is_valid():
        report = save_with(
            form,
            services.report_issue,
            visit=visit,
            by=request.user,
            change_note=form.cleaned_data["change_note"],
        )
        if report:
            messages.success(request, f"Report version {report.version} issued.")
            return redirect(report)
    issuable = visit.status in {VisitStatus.VISITED, VisitStatus.REPORT_ISSUED} and changed
    return render(
        request,
        "assurance/visits/report.html",
        {
            "visit": visit,
            "view": view,
            "latest": latest,
            "changed": changed,
            "form": form if issuable or (form and form.errors) else None,
            "draft": True,
        },
    )


@require_GET
def visit_report_workbook(request, pk):
    visit = access.get_for_user(Visit.objects.select_related("provider"), request.user, pk=pk)
    view, _, _ = _draft_view(visit)
    workbook = exports.report_workbook(view=view, version=None, generated_by=request.user)
    return xlsx_response(workbook, f"visit-report-DRAFT-{visit.provider.ods_code}-{visit.visit_on}.xlsx")


@require_GET
def report_version(request, pk):
    report = access.get_for_user(
        VisitReport.objects.select_related("visit__provider", "issued_by"), request.user, pk=pk
    )
    return render(
        request,
        "assurance/visits/report.html",
        {
            "visit": report.visit,
            "view": selectors.report_view(report.content),
            "report": report,
            "versions": report.visit.reports.select_related("issued_by"),
            "draft": False,
        },
    )


@require_GET
def report_version_workbook(request, pk):
    report = access.get_for_user(VisitReport.objects.select_related("visit__provider"), request.user, pk=pk)
    workbook = exports.report_workbook(
        view=selectors.report_view(report.content),
        version=report.version,
        issued_at=report.issued_at,
        generated_by=request.user,
    )
    visit = report.visit
    return xlsx_response(
        workbook, f"visit-report-{visit.provider.ods_code}-{visit.visit_on}-v{report.version}.xlsx"
    )
