"""Saving Babies' Lives v3 pages: every quarter the user may see in one table, one provider's
quarterly history, a quarter's answers and percentages, answering an element, the two keys, and
citing a validated quarter as MIS safety action 6 evidence, and the quarter as a workbook."""

from functools import cache

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from assurance.forms import VerifyForm
from assurance.models import Evidence
from assurance.sbl import exports, selectors, services
from assurance.sbl.care_bundle import read_care_bundle
from assurance.sbl.forms import SblAnswerForm, SblCiteForm, SblStartForm
from assurance.sbl.models import SblAnswer, SblAssessment, SblState
from assurance.visits.template_history import part_changes
from lmns import access
from lmns.forms_service import run_service, save_with
from lmns.history import record_history
from lmns.models import Provider
from lmns.pagination import paginate
from lmns.responses import xlsx_response


def _wording() -> dict:
    """What the pages say about the interventions' wording: how many are still unchecked, and the
    data file's source note (read once per process)."""
    return {**selectors.wording_unchecked(), "source_note": _source_note()}


@cache
def _source_note() -> str:
    return read_care_bundle().source


def sbl_index(request):
    page = paginate(request, selectors.assessment_list(user=request.user))
    elements = selectors.elements()
    return render(
        request,
        "assurance/sbl/index.html",
        {
            "page": page,
            "rows": selectors.table_rows(page.object_list, elements),
            "elements": elements,
            "providers": Provider.objects.visible_to(request.user).order_by("name"),
            "may_start": access.providers_where(request.user, "assess").exists(),
            "wording": _wording(),
        },
    )


def sbl_provider(request, ods_code):
    provider = access.get_for_user(Provider.objects.select_related("lmns"), request.user, ods_code=ods_code)
    page = paginate(request, selectors.assessment_list(user=request.user, provider=provider))
    elements = selectors.elements()
    return render(
        request,
        "assurance/sbl/provider.html",
        {
            "provider": provider,
            "page": page,
            "rows": selectors.table_rows(page.object_list, elements),
            "elements": elements,
            "may_start": access.can(request.user, "assess", provider),
            "wording": _wording(),
        },
    )


def sbl_start(request):
    provider = (
        Provider.objects.visible_to(request.user).filter(ods_code=request.GET.get("provider", "")).first()
    )
    form = SblStartForm(request.POST or None, user=request.user, provider=provider)
    if not form.fields["provider"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        assessment = save_with(form, services.sbl_assessment_start, by=request.user, **form.cleaned_data)
        if assessment:
            return redirect(assessment)
    return render(request, "assurance/sbl/start.html", {"form": form})


def _assessment(request, pk, action=None):
    return access.get_for_user(
        SblAssessment.objects.select_related("provider", "submitted_by", "validated_by"),
        request.user,
        action=action,
        pk=pk,
    )


def sbl_detail(request, pk):
    assessment = _assessment(request, pk)
    user, provider = request.user, assessment.provider
    scores = selectors.assessment_scores(assessment)
    may_validate = assessment.state == SblState.AWAITING and access.can(user, "verify", provider)
    may_cite = assessment.state == SblState.VALIDATED and access.can(user, "assess", provider)
    items = selectors.sa6_items(assessment) if may_cite else None
    return render(
        request,
        "assurance/sbl/detail.html",
        {
            "assessment": assessment,
            "sections": [
                (element, answers, scores.by_element.get(element.number))
                for element, answers in selectors.answers_by_element(assessment)
            ],
            "overall": scores.overall,
            "may_edit": assessment.is_editable and access.can(user, "assess", provider),
            "may_submit": assessment.is_editable and access.can(user, "submit_assessment", provider),
            "validate_form": VerifyForm() if may_validate else None,
            "cite_form": SblCiteForm(items=items) if items is not None and items.exists() else None,
            "may_cite": may_cite,
            "wording": _wording(),
        },
    )


@require_GET
def sbl_workbook(request, pk):
    assessment = _assessment(request, pk)
    workbook = exports.sbl_quarter_workbook(assessment=assessment, generated_by=request.user)
    return xlsx_response(workbook, exports.quarter_filename(assessment))


def sbl_element_edit(request, pk, number):
    assessment = _assessment(request, pk, action="assess")
    if not assessment.is_editable:
        messages.error(
            request,
            f"This quarter is {assessment.get_state_display().lower()}: its answers cannot change now.",
        )
        return redirect(assessment)
    sections = dict(
        (element.number, (element, answers)) for element, answers in selectors.answers_by_element(assessment)
    )
    if number not in sections:
        raise Http404
    element, answers = sections[number]
    evidence = Evidence.objects.filter(provider=assessment.provider).current().order_by("description")
    choices = evidence if evidence.exists() else None
    data = request.POST if request.method == "POST" else None
    forms = [SblAnswerForm(data, answer=answer, evidence_choices=choices) for answer in answers]
    if request.method == "POST" and all([form.is_valid() for form in forms]):
        saved = save_with(
            forms[0],
            services.sbl_answers_update,
            assessment=assessment,
            by=request.user,
            answers={form.answer.pk: form.values() for form in forms},
        )
        if saved is not None:
            messages.success(request, f"Answers for element {element.number} saved.")
            return redirect(assessment)
    return render(
        request,
        "assurance/sbl/element_form.html",
        {
            "assessment": assessment,
            "element": element,
            "forms": forms,
            "has_errors": any(form.errors for form in forms),
            "wording": _wording(),
        },
    )


# A quarter's answers change a few times each; beyond this, the page says how many more there are.
ANSWER_CHANGES_SHOWN = 100


@never_cache
def sbl_history(request, pk):
    """The quarter's own changes, and below them every change to its answers (separate records
    with their own history rows), in a fixed number of queries."""
    assessment = _assessment(request, pk)
    codes = dict(assessment.answers.values_list("pk", "intervention__code"))
    rows = list(SblAnswer.history.filter(assessment_id=assessment.pk).select_related("history_user"))
    # Every answer is created "not yet answered" with the quarter: only what changed after is shown.
    parts = [
        part
        for part in part_changes(rows, describe=lambda row: f"Intervention {codes.get(row.id, '')}")
        if part.change.kind != "Created"
    ]
    parts.sort(key=lambda part: part.change.when, reverse=True)
    return render(
        request,
        "assurance/sbl/history.html",
        {
            "record": assessment,
            "page": record_history(assessment, page_number=request.GET.get("page")),
            "parts": parts[:ANSWER_CHANGES_SHOWN],
            "parts_total": len(parts),
        },
    )


@require_POST
def sbl_submit(request, pk):
    assessment = _assessment(request, pk, action="submit_assessment")
    run_service(
        request,
        services.sbl_assessment_submit,
        "Submitted to the LMNS for validation.",
        assessment=assessment,
        by=request.user,
    )
    return redirect(assessment)


@require_POST
def sbl_validate(request, pk):
    assessment = _assessment(request, pk, action="verify")
    form = VerifyForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        run_service(
            request,
            services.sbl_assessment_validate,
            "Validated." if accept else "Challenged and returned to the provider.",
            assessment=assessment,
            by=request.user,
            accept=accept,
            comment=form.cleaned_data["comment"],
        )
    else:
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
    return redirect(assessment)


@require_POST
def sbl_cite(request, pk):
    assessment = _assessment(request, pk, action="assess")
    form = SblCiteForm(request.POST, items=selectors.sa6_items(assessment))
    if form.is_valid():
        run_service(
            request,
            services.sbl_cite_as_evidence,
            "Recorded as evidence on the safety action 6 requirements chosen.",
            assessment=assessment,
            by=request.user,
            items=list(form.cleaned_data["items"]),
        )
    else:
        messages.error(request, "Select the safety action 6 requirements this quarter supports.")
    return redirect(assessment)
