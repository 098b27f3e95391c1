"""Maturity assessment pages: the models and rounds the user may see, a model's grid with its
two keys, editing a draft's wording, starting and scoring a round, and a round beside the round
before it, on screen, on paper (the print stylesheet) and as a workbook for the board."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from assurance.maturity import exports, selectors, services
from assurance.maturity.forms import MaturityModelForm, NewVersionForm, RoundStartForm, ScoreForm
from assurance.maturity.models import MaturityModel, MaturityRound
from assurance.models import FrameworkStatus
from lmns import access
from lmns.forms_service import run_service, save_with
from lmns.pagination import paginate
from lmns.responses import xlsx_response


def _may_start(user) -> bool:
    return (
        access.lmnss_where(user, "plan_improvement").exists()
        or access.providers_where(user, "assess").exists()
    )


def maturity_index(request):
    user = request.user
    return render(
        request,
        "assurance/maturity/index.html",
        {
            "models": MaturityModel.objects.visible_to(user)
            .select_related("lmns")
            .order_by("name", "version"),
            "page": paginate(request, selectors.round_list(user=user)),
            "may_start": _may_start(user),
        },
    )


def _model(request, pk):
    return access.get_for_user(
        MaturityModel.objects.select_related("lmns", "prepared_by"), request.user, pk=pk
    )


def maturity_model(request, pk):
    model = _model(request, pk)
    user = request.user
    levels, rows = selectors.model_grid(model)
    return render(
        request,
        "assurance/maturity/model.html",
        {
            "model": model,
            "levels": levels,
            "rows": rows,
            "may_author": access.authors_framework(user, model),
            "may_approve": model.status == FrameworkStatus.AWAITING_APPROVAL
            and access.approves_framework(user, model),
        },
    )


def maturity_model_edit(request, pk):
    model = _model(request, pk)
    if not access.authors_framework(request.user, model):
        raise PermissionDenied
    if not model.is_draft:
        messages.error(request, f"{model} is {model.get_status_display().lower()}, so it cannot be edited.")
        return redirect(model)
    levels, rows = selectors.model_grid(model)
    form = MaturityModelForm(request.POST or None, instance=model, levels=levels, rows=rows)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.MODEL_FIELDS}
        saved = save_with(
            form, services.maturity_model_update, model=model, by=request.user, **fields, **form.wording()
        )
        if saved is not None:
            messages.success(request, "Saved.")
            return redirect(model)
    return render(request, "assurance/maturity/model_form.html", {"model": model, "form": form})


def maturity_model_new_version(request, pk):
    source = _model(request, pk)
    if not access.authors_framework(request.user, source):
        raise PermissionDenied
    form = NewVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        draft = save_with(
            form, services.maturity_model_new_version, source=source, by=request.user, **form.cleaned_data
        )
        if draft:
            messages.success(request, "New version started as a draft: check its wording, then publish it.")
            return redirect(draft)
    return render(request, "assurance/maturity/new_version.html", {"form": form, "model": source})


TRANSITIONS = {
    "prepare": (services.maturity_model_prepare, "Sent for a second person to publish."),
    "return": (services.maturity_model_return, "Returned to draft."),
    "publish": (services.maturity_model_publish, "Published: providers may now score it."),
}


@require_POST
def maturity_model_transition(request, pk):
    model = _model(request, pk)
    step = TRANSITIONS.get(request.POST.get("step", ""))
    if step is None:
        messages.error(request, "Select what to do with the model.")
        return redirect(model)
    if not (access.authors_framework(request.user, model) or access.approves_framework(request.user, model)):
        raise PermissionDenied
    service, success = step
    run_service(request, service, success, model=model, by=request.user)
    return redirect(model)


def maturity_start(request):
    if not _may_start(request.user):
        raise PermissionDenied
    form = RoundStartForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        round_ = save_with(
            form,
            services.maturity_round_start,
            model=data["model"],
            provider=data["provider"],
            assessed_on=data["assessed_on"],
            by=request.user,
        )
        if round_:
            return redirect("assurance:maturity-round-score", pk=round_.pk)
    return render(request, "assurance/maturity/start.html", {"form": form})


def _round(request, pk):
    return access.get_for_user(
        MaturityRound.objects.select_related("model", "provider", "lmns", "submitted_by"), request.user, pk=pk
    )


def maturity_round(request, pk):
    round_ = _round(request, pk)
    user, organisation = request.user, round_.organisation
    return render(
        request,
        "assurance/maturity/round.html",
        {
            "round": round_,
            "comparison": selectors.round_comparison(round_),
            "may_score": round_.is_editable and services.may_score(user, organisation),
            "may_submit": round_.is_editable and services.may_submit(user, organisation),
        },
    )


def maturity_round_score(request, pk):
    round_ = _round(request, pk)
    if not services.may_score(request.user, round_.organisation):
        raise PermissionDenied
    if not round_.is_editable:
        messages.error(request, "This round is submitted: its scores cannot change.")
        return redirect(round_)
    levels = list(round_.model.levels.all())
    descriptors = selectors.descriptor_texts(round_.model_id)
    data = request.POST if request.method == "POST" else None
    forms = [
        ScoreForm(data, score=score, levels=levels, descriptors=descriptors)
        for score in round_.scores.select_related("domain").order_by("domain__order")
    ]
    if request.method == "POST" and all([form.is_valid() for form in forms]):
        saved = save_with(
            forms[0],
            services.maturity_scores_update,
            round=round_,
            by=request.user,
            scores={form.score.pk: form.values() for form in forms},
        )
        if saved is not None:
            messages.success(request, "Scores saved.")
            return redirect(round_)
    return render(
        request,
        "assurance/maturity/score_form.html",
        {"round": round_, "forms": forms, "has_errors": any(form.errors for form in forms)},
    )


@require_POST
def maturity_round_submit(request, pk):
    round_ = _round(request, pk)
    if not services.may_submit(request.user, round_.organisation):
        raise PermissionDenied
    run_service(request, services.maturity_round_submit, "Round submitted.", round=round_, by=request.user)
    return redirect(round_)


@require_GET
def maturity_round_workbook(request, pk):
    round_ = _round(request, pk)
    workbook = exports.round_workbook(round_=round_, generated_by=request.user)
    return xlsx_response(workbook, exports.round_filename(round_))
