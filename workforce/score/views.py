"""SCORE culture survey pages. Everyone who can see a provider reads its waves' response rates
and how far its debriefs and actions have got; its own contributors and leads run the wave and
read its results, debriefs and actions (``models.ACTION``, which the LMNS does not hold)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from lmns import access
from lmns.forms_service import save_with
from lmns.responses import xlsx_response
from workforce.score import exports, selectors, services
from workforce.score.forms import ActionForm, DebriefForm, MappingUploadForm, ResultsImportForm, WaveForm
from workforce.score.models import ACTION, MIN_RESPONSES, ScoreAction, ScoreDebrief, ScoreWave
from workforce.score.reference import domains


def _wave(request, pk, *, action=None) -> ScoreWave:
    return access.get_for_user(
        ScoreWave.objects.select_related("provider"), request.user, action=action, pk=pk
    )


def score_index(request):
    return render(
        request,
        "workforce/score/index.html",
        {
            "waves": selectors.waves_for(user=request.user),
            "may_run": access.providers_where(request.user, ACTION).exists(),
            "min_responses": MIN_RESPONSES,
        },
    )


def wave_create(request):
    form = WaveForm(request.POST or None, user=request.user)
    if not form.fields["provider"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        wave = save_with(form, services.score_wave_create, by=request.user, **form.cleaned_data)
        if wave:
            messages.success(request, "Wave started. Next, map its work settings.")
            return redirect(wave)
    return render(request, "workforce/score/wave_form.html", {"form": form})


def wave_edit(request, pk):
    wave = _wave(request, pk, action=ACTION)
    initial = {"name": wave.name, "opens_on": wave.opens_on, "closes_on": wave.closes_on}
    form = WaveForm(request.POST or None, initial=initial, user=request.user, wave=wave)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.score_wave_update, wave=wave, by=request.user, **form.cleaned_data)
    ):
        messages.success(request, "Wave updated.")
        return redirect(wave)
    return render(request, "workforce/score/wave_form.html", {"form": form, "wave": wave})


def wave_detail(request, pk):
    wave = _wave(request, pk)
    return render(
        request,
        "workforce/score/wave_detail.html",
        {
            "wave": wave,
            "figures": selectors.waves_for(user=request.user).get(pk=wave.pk),
            "settings": [selectors.SettingRow(setting=s) for s in wave.settings.all()],
            "private": selectors.wave_private_for(user=request.user, wave=wave),
            "domains": domains(),
            "min_responses": MIN_RESPONSES,
        },
    )


def mapping_template(request, pk):
    wave = _wave(request, pk, action=ACTION)
    workbook = exports.mapping_template_workbook(wave=wave, generated_by=request.user)
    return xlsx_response(workbook, f"score-mapping-{wave.provider.ods_code}-{wave.pk}.xlsx")


def _upload(request, wave, form, service, success: str, template: str, **kwargs):
    problems = None
    if request.method == "POST" and form.is_valid():
        try:
            count = service(wave=wave, file=form.cleaned_data["file"], by=request.user, **kwargs)
        except services.SheetRefused as refused:
            form.add_error(None, refused)
            problems = refused.outcome.problems
        except services.ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success.format(count=count, s="" if count == 1 else "s"))
            return redirect(wave)
    return render(
        request,
        template,
        {
            "form": form,
            "wave": wave,
            "problems": problems,
            "min_responses": MIN_RESPONSES,
            "domains": domains(),
        },
    )


def mapping_upload(request, pk):
    wave = _wave(request, pk, action=ACTION)
    form = MappingUploadForm(request.POST or None, request.FILES or None)
    return _upload(
        request,
        wave,
        form,
        services.score_mapping_import,
        "{count} work setting{s} mapped.",
        "workforce/score/mapping_upload.html",
    )


def results_import(request, pk):
    wave = _wave(request, pk, action=ACTION)
    form = ResultsImportForm(request.POST or None, request.FILES or None, wave=wave)
    columns = form.cleaned_data["columns"] if form.is_bound and form.is_valid() else None
    return _upload(
        request,
        wave,
        form,
        services.score_results_import,
        "Responses and results imported for {count} work setting{s}.",
        "workforce/score/results_import.html",
        columns=columns,
    )


def results_xlsx(request, pk):
    wave = _wave(request, pk, action=ACTION)
    private = selectors.wave_private_for(user=request.user, wave=wave)
    workbook = exports.results_workbook(wave=wave, private=private, generated_by=request.user)
    return xlsx_response(workbook, f"score-results-{wave.provider.ods_code}-{wave.pk}.xlsx")


def debrief_create(request, pk):
    wave = _wave(request, pk, action=ACTION)
    form = DebriefForm(request.POST or None, wave=wave)
    if request.method == "POST" and form.is_valid():
        debrief = save_with(
            form, services.score_debrief_record, wave=wave, by=request.user, **form.cleaned_data
        )
        if debrief:
            messages.success(request, "Debrief recorded. Add the actions the team agreed.")
            return redirect(debrief)
    return render(request, "workforce/score/debrief_form.html", {"form": form, "wave": wave})


def action_add(request, pk):
    # Through ScoreDebrief.visible_to: anyone but the provider's own teams gets a 404.
    debrief = access.get_for_user(
        ScoreDebrief.objects.select_related("wave__provider", "setting"), request.user, action=ACTION, pk=pk
    )
    form = ActionForm(request.POST or None, provider=debrief.wave.provider)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.score_action_add, debrief=debrief, by=request.user, **form.cleaned_data)
    ):
        messages.success(request, "Action added.")
        return redirect(debrief)
    return render(
        request, "workforce/score/action_form.html", {"form": form, "debrief": debrief, "wave": debrief.wave}
    )


def action_edit(request, pk):
    action = access.get_for_user(
        ScoreAction.objects.select_related("debrief__wave__provider", "debrief__setting"),
        request.user,
        action=ACTION,
        pk=pk,
    )
    debrief = action.debrief
    initial = {
        "description": action.description,
        "owner": action.owner_id,
        "due_on": action.due_on,
        "status": action.status,
    }
    form = ActionForm(request.POST or None, initial=initial, provider=debrief.wave.provider, editing=True)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.score_action_update, action=action, by=request.user, **form.cleaned_data)
    ):
        messages.success(request, "Action updated.")
        return redirect(debrief)
    return render(
        request,
        "workforce/score/action_form.html",
        {"form": form, "debrief": debrief, "wave": debrief.wave, "action": action},
    )
