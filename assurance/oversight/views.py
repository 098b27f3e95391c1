"""External concerns and oversight pages: the providers' positions at a glance, one provider's
ratings and oversight history, and each concern from logging to response."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assurance.oversight import selectors, services
from assurance.oversight.forms import CqcRatingForm, ExternalConcernForm, OversightLevelForm, RespondForm
from assurance.oversight.models import ConcernStatus, ExternalConcern
from lmns import access
from lmns.forms_service import run_service, save_with
from lmns.models import Provider
from lmns.pagination import paginate


def oversight_index(request):
    # providers_oversight leaves out those the user may not read.
    providers = Provider.objects.select_related("lmns").order_by("name")
    return render(
        request,
        "assurance/oversight/index.html",
        {
            "summaries": selectors.providers_oversight(user=request.user, providers=providers).values(),
            "may_log": access.providers_where(request.user, "record_external_concern").exists(),
        },
    )


def _provider(request, ods_code, action=None):
    return access.get_for_user(
        Provider.objects.select_related("lmns"), request.user, action=action, ods_code=ods_code
    )


def oversight_provider(request, ods_code):
    provider = _provider(request, ods_code)
    user = request.user
    return render(
        request,
        "assurance/oversight/provider.html",
        {
            "provider": provider,
            **selectors.provider_record(user=user, provider=provider),
            "may_log": access.can(user, "record_external_concern", provider),
            "may_rate": access.can(user, "record_cqc_rating", provider),
            "may_set_level": access.can(user, "set_oversight_level", provider),
        },
    )


def cqc_rating_create(request, ods_code):
    provider = _provider(request, ods_code, action="record_cqc_rating")
    form = CqcRatingForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form, services.cqc_rating_record, provider=provider, by=request.user, **form.cleaned_data
        )
    ):
        return redirect("assurance:oversight-provider", ods_code=provider.ods_code)
    return render(request, "assurance/oversight/cqc_rating_form.html", {"provider": provider, "form": form})


def oversight_level_set(request, ods_code):
    provider = _provider(request, ods_code, action="set_oversight_level")
    form = OversightLevelForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form, services.oversight_level_set, provider=provider, by=request.user, **form.cleaned_data
        )
    ):
        return redirect("assurance:oversight-provider", ods_code=provider.ods_code)
    return render(request, "assurance/oversight/level_form.html", {"provider": provider, "form": form})


def concern_list(request):
    status = request.GET.get("status", "")
    status = status if status in ConcernStatus.values else ""
    overdue = request.GET.get("overdue") == "true"
    provider = (
        Provider.objects.visible_to(request.user).filter(ods_code=request.GET.get("provider", "")).first()
    )
    concerns = selectors.concern_list(user=request.user, provider=provider, status=status, overdue=overdue)
    return render(
        request,
        "assurance/oversight/concern_list.html",
        {
            "page": paginate(request, concerns),
            "provider": provider,
            "status": status,
            "overdue": overdue,
            "statuses": ConcernStatus.choices,
            "may_log": access.providers_where(request.user, "record_external_concern").exists(),
        },
    )


def concern_create(request):
    provider = (
        Provider.objects.visible_to(request.user).filter(ods_code=request.GET.get("provider", "")).first()
    )
    form = ExternalConcernForm(request.POST or None, user=request.user, provider=provider)
    if not form.fields["provider"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        concern = save_with(
            form,
            services.external_concern_create,
            provider=form.cleaned_data["provider"],
            by=request.user,
            **form.service_kwargs(),
        )
        if concern:
            return redirect(concern)
    return render(request, "assurance/oversight/concern_form.html", {"form": form})


def _concern(request, pk, action=None):
    return access.get_for_user(
        ExternalConcern.objects.select_related("provider", "created_by"), request.user, action=action, pk=pk
    )


def concern_detail(request, pk):
    concern = _concern(request, pk)
    may_act = access.can(request.user, "record_external_concern", concern.provider)
    return render(
        request, "assurance/oversight/concern_detail.html", {"concern": concern, "may_act": may_act}
    )


def concern_edit(request, pk):
    concern = _concern(request, pk, action="record_external_concern")
    form = ExternalConcernForm(request.POST or None, user=request.user, concern=concern)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form, services.external_concern_update, concern=concern, by=request.user, **form.service_kwargs()
        )
    ):
        return redirect(concern)
    return render(request, "assurance/oversight/concern_form.html", {"form": form, "concern": concern})


def concern_respond(request, pk):
    concern = _concern(request, pk, action="record_external_concern")
    initial = {"responded_on": concern.responded_on, "response_summary": concern.response_summary}
    form = RespondForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form, services.external_concern_respond, concern=concern, by=request.user, **form.cleaned_data
        )
    ):
        return redirect(concern)
    return render(request, "assurance/oversight/concern_respond.html", {"form": form, "concern": concern})


@require_POST
def concern_status(request, pk):
    concern = _concern(request, pk, action="record_external_concern")
    status = request.POST.get("status", "")
    run_service(
        request,
        services.external_concern_set_status,
        f"The concern is now {dict(ConcernStatus.choices).get(status, '').lower()}.",
        concern=concern,
        by=request.user,
        status=status,
    )
    return redirect(concern)
