"""Improvement plans (the national improvement portal's plan, with its tabs) and the learning
network's health survey, including the page members answer it on without an account."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.highlights import selectors as highlight_selectors
from incidents.improvement import exports, selectors, services
from incidents.improvement.forms import (
    ROW_FORMS,
    ClosePlanForm,
    InviteForm,
    MeasureValuesForm,
    PlanForm,
    SurveyAnswerForm,
    SurveyRoundForm,
)
from incidents.improvement.models import ImprovementPlan, SurveyRound
from incidents.models import Learning, Theme
from lmns import access, query, ratelimit
from lmns.forms_service import run_service, save_with
from lmns.pagination import paginate
from lmns.responses import xlsx_response

PLAN_RELATED = ("provider", "lmns")
# Which tab each kind of row lives on, and how the pages name it.
ROW_TABS = {
    "measure": "incidents:improvement-measurement",
    "pdsa": "incidents:improvement-measurement",
    "communication": "incidents:improvement-communications",
    "team": "incidents:improvement-team",
}
ROW_NAMES = {
    "measure": "measure",
    "pdsa": "PDSA cycle",
    "communication": "communication",
    "team": "team member",
}
# Answering needs no account, so the page is limited per address; a real person answers once.
ANSWER_LIMIT, ANSWER_WINDOW = 60, 60 * 60
TOO_MANY = "Too many attempts from your connection. Wait an hour and try again."


def _upper_first(text: str) -> str:
    # Not str.capitalize(), which would turn "PDSA cycle" into "Pdsa cycle".
    return text[:1].upper() + text[1:]


def _plan(request, pk, *, edit=False):
    return access.get_for_user(
        ImprovementPlan.objects.select_related(*PLAN_RELATED),
        request.user,
        action="plan_improvement" if edit else None,
        pk=pk,
    )


def improvement_index(request):
    """Plans the user can see, the themes the SSIG shares, and the survey rounds."""
    plans = selectors.plans_for(user=request.user)
    shared = Learning.objects.visible_to(request.user).shared()
    shared_themes = Theme.objects.filter(learning__in=shared).distinct()
    return render(
        request,
        "incidents/improvement/index.html",
        {
            "page": paginate(request, plans),
            "shared_themes": shared_themes,
            "can_plan": bool(selectors.plan_owner_choices(request.user)),
        },
    )


def improvement_create(request):
    initial = {}
    if (theme := query.optional_id(request.GET, "theme")) is not None:
        initial["themes"] = [theme]
    form = PlanForm(request.POST or None, user=request.user, initial=initial)
    if not form.fields["owner"].choices:
        raise PermissionDenied
    if initial and not request.POST:
        # Offer the learning behind the chosen theme already ticked.
        form.initial["learning"] = list(form.fields["learning"].queryset.filter(themes=theme))
    if request.method == "POST" and form.is_valid():
        plan = save_with(form, services.plan_create, by=request.user, **form.service_kwargs())
        if plan:
            messages.success(request, "Plan started. Fill in its sections and tabs as the project goes on.")
            return redirect(plan)
    return render(request, "incidents/improvement/plan_form.html", {"form": form})


def _tab(request, pk, tab: str, template: str, **extra):
    plan = _plan(request, pk)
    context = selectors.plan_detail(plan=plan, user=request.user)
    return render(request, template, {**context, "tab": tab, **extra})


@require_GET
def improvement_detail(request, pk):
    plan = _plan(request, pk)
    context = selectors.plan_detail(plan=plan, user=request.user)
    # The plan's own page flags a late highlight report, where its team looks first.
    highlight = highlight_selectors.plan_state(plan=plan, today=timezone.localdate())
    return render(
        request,
        "incidents/improvement/plan_general.html",
        {**context, "tab": "general", "highlight": highlight},
    )


@require_GET
def improvement_measurement(request, pk):
    plan = _plan(request, pk)
    context = selectors.plan_detail(plan=plan, user=request.user)
    series = selectors.plan_series(plan=plan)
    return render(
        request,
        "incidents/improvement/plan_measurement.html",
        {**context, "tab": "measurement", "series": series},
    )


@require_GET
def improvement_communications(request, pk):
    return _tab(request, pk, "communications", "incidents/improvement/plan_communications.html")


@require_GET
def improvement_team(request, pk):
    return _tab(request, pk, "team", "incidents/improvement/plan_team.html")


@require_GET
def improvement_all(request, pk):
    plan = _plan(request, pk)
    context = selectors.plan_detail(plan=plan, user=request.user)
    series = selectors.plan_series(plan=plan)
    return render(
        request,
        "incidents/improvement/plan_all.html",
        {**context, "tab": "all", "series": series},
    )


@require_GET
def improvement_workbook(request, pk):
    plan = _plan(request, pk)
    context = selectors.plan_detail(plan=plan, user=request.user)
    workbook = exports.plan_workbook(
        detail=context, series=selectors.plan_series(plan=plan), generated_by=request.user
    )
    return xlsx_response(workbook, f"improvement-plan-{plan.pk}.xlsx")


def improvement_edit(request, pk):
    plan = _plan(request, pk, edit=True)
    form = PlanForm(request.POST or None, user=request.user, plan=plan, initial=PlanForm.initial_for(plan))
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.plan_update, plan=plan, by=request.user, **form.service_kwargs())
    ):
        messages.success(request, "Plan saved.")
        return redirect(plan)
    return render(request, "incidents/improvement/plan_form.html", {"form": form, "plan": plan})


def improvement_close(request, pk):
    plan = _plan(request, pk, edit=True)
    if plan.is_closed:
        messages.info(request, f"This plan was closed on {plan.closed_on:%-d %B %Y}.")
        return redirect(plan)
    form = ClosePlanForm(request.POST or None, initial={"closed_on": timezone.localdate()})
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.plan_close, plan=plan, by=request.user, **form.cleaned_data)
    ):
        messages.success(request, "Plan closed. Its highlight reports stop after the month it closed in.")
        return redirect(plan)
    return render(request, "incidents/improvement/plan_close.html", {"form": form, "plan": plan})


@require_POST
def improvement_reopen(request, pk):
    plan = _plan(request, pk, edit=True)
    run_service(
        request,
        services.plan_reopen,
        "Plan reopened. Its monthly highlight reports are due again.",
        plan=plan,
        by=request.user,
    )
    return redirect(plan)


# --- Rows of the tabs: measures, PDSA cycles, communications, team ------------------------------


def _row(plan, kind, row):
    return get_object_or_404(services.ROW_MODELS[kind].objects.filter(plan=plan), pk=row)


def improvement_row(request, pk, kind, row=None):
    """Add a row to a tab, or change one."""
    plan = _plan(request, pk, edit=True)
    instance = _row(plan, kind, row) if row else None
    form = ROW_FORMS[kind](request.POST or None, instance=instance)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form,
            services.plan_row_save,
            plan=plan,
            kind=kind,
            row=instance,
            by=request.user,
            **form.cleaned_data,
        )
    ):
        messages.success(request, f"{_upper_first(ROW_NAMES[kind])} saved.")
        return redirect(ROW_TABS[kind], pk=plan.pk)
    return render(
        request,
        "incidents/improvement/row_form.html",
        {
            "form": form,
            "plan": plan,
            "kind": kind,
            "what": ROW_NAMES[kind],
            "row": instance,
            "back": ROW_TABS[kind],
        },
    )


@require_POST
def improvement_row_delete(request, pk, kind, row):
    plan = _plan(request, pk, edit=True)
    services.plan_row_delete(plan=plan, row=_row(plan, kind, row), by=request.user)
    messages.success(request, f"{_upper_first(ROW_NAMES[kind])} removed.")
    return redirect(ROW_TABS[kind], pk=plan.pk)


@require_GET
def improvement_measure(request, pk, row):
    """One measure over time: its chart, the PDSA cycles against it, and its values."""
    plan = _plan(request, pk)
    measure = _row(plan, "measure", row)
    return render(
        request,
        "incidents/improvement/measure_detail.html",
        {
            "plan": plan,
            "measure": measure,
            "series": selectors.measure_series(measure=measure),
            "can_edit": selectors.may_plan(request.user, plan),
        },
    )


def improvement_measure_values(request, pk, row):
    plan = _plan(request, pk, edit=True)
    measure = _row(plan, "measure", row)
    months = selectors.value_months(measure=measure, today=timezone.localdate())
    stored = {v.month: v.value for v in measure.values.all()}
    form = MeasureValuesForm(request.POST or None, months=months, stored=stored)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form, services.measure_values_set, measure=measure, values=form.values(), by=request.user
        )
    ):
        messages.success(request, "Values saved.")
        return redirect("incidents:improvement-measure", pk=plan.pk, row=measure.pk)
    return render(
        request, "incidents/improvement/measure_values.html", {"form": form, "plan": plan, "measure": measure}
    )


# --- The learning network's health survey -------------------------------------------------------


def survey_list(request):
    return render(
        request,
        "incidents/improvement/survey_list.html",
        {
            "page": paginate(request, selectors.round_list(user=request.user)),
            "can_run": access.lmnss_where(request.user, "plan_improvement").exists(),
        },
    )


def survey_create(request):
    form = SurveyRoundForm(request.POST or None, user=request.user)
    if not form.fields["lmns"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        round_ = save_with(
            form,
            services.survey_round_open,
            by=request.user,
            lmns=form.cleaned_data["lmns"],
            survey=form.cleaned_data["survey"],
            title=form.cleaned_data["title"],
        )
        if round_:
            messages.success(request, "Round opened. Now invite the network's members.")
            return redirect("incidents:improvement-survey-invite", pk=round_.pk)
    return render(request, "incidents/improvement/survey_form.html", {"form": form})


def _round(request, pk, *, run=False):
    return access.get_for_user(
        SurveyRound.objects.select_related("lmns"),
        request.user,
        action="plan_improvement" if run else None,
        pk=pk,
    )


@require_GET
def survey_detail(request, pk):
    round_ = _round(request, pk)
    return render(
        request,
        "incidents/improvement/survey_detail.html",
        {
            "round": round_,
            "results": selectors.survey_results(round_=round_),
            "can_run": access.can(request.user, "plan_improvement", round_.lmns),
            "min_results": selectors.MIN_RESULTS,
        },
    )


def survey_invite(request, pk):
    round_ = _round(request, pk, run=True)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sent = save_with(
            form, services.survey_invite, round_=round_, emails=form.cleaned_data["emails"], by=request.user
        )
        if sent:
            messages.success(request, f"{sent} invitation{'s' if sent != 1 else ''} sent.")
            return redirect(round_)
    return render(request, "incidents/improvement/survey_invite.html", {"form": form, "round": round_})


@require_http_methods(["GET", "POST"])
def survey_close(request, pk):
    """Closing cannot be undone and ends every unused link, so the page asks first."""
    round_ = _round(request, pk, run=True)
    if request.method == "POST":
        run_service(request, services.survey_round_close, "Round closed.", round_=round_, by=request.user)
        return redirect(round_)
    if not round_.is_open:
        return redirect(round_)
    return render(
        request,
        "incidents/improvement/survey_close.html",
        {"round": round_, "min_results": selectors.MIN_RESULTS},
    )


@require_GET
def survey_workbook(request, pk):
    round_ = _round(request, pk)
    results = selectors.survey_results(round_=round_)
    workbook = exports.survey_workbook(results=results, generated_by=request.user)
    return xlsx_response(workbook, f"network-health-survey-{round_.pk}.xlsx")


def _answer_page(request, context: dict, status: int = 200):
    response = render(request, "incidents/improvement/survey_answer.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request):
    """The answering page. It keeps nothing about who answers: no account, even when someone
    is signed in; no address beyond the rate limit's keyed hash in the cache; no time."""
    token = (request.POST.get("token") or request.GET.get("token") or "")[:100]
    if not token:
        return _answer_page(request, {"no_link": True})
    if not ratelimit.hit_address(request, "survey-answer", limit=ANSWER_LIMIT, window=ANSWER_WINDOW):
        return _answer_page(request, {"refused": TOO_MANY}, status=429)
    invitation = services.survey_invitation_for(token)
    if invitation is None:
        return _answer_page(request, {"spent": True}, status=404)
    definition = invitation.round.definition
    form = SurveyAnswerForm(request.POST or None, definition=definition, initial={"token": token})
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.survey_answer, token=token, answers=form.answers())
    ):
        return _answer_page(request, {"done": True, "round": invitation.round})
    return _answer_page(request, {"form": form, "round": invitation.round, "definition": definition})
