"""Monthly workforce returns: the overview, a provider's trends, submitting and correcting."""

from calendar import monthrange

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from lmns import access, query
from lmns.models import Provider
from lmns.thresholds import thresholds_for
from workforce import selectors
from workforce.forms import ReturnProviderForm, WorkforceReturnForm
from workforce.models import WorkforceReturn
from workforce.perinatal import services as perinatal_services
from workforce.perinatal.forms import site_forms
from workforce.perinatal.views import (
    birth_sites,
    perinatal_context,
    save_monthly,
    signals_opened_words,
    site_figures,
)


def index(request):
    months, rows = selectors.returns_overview(user=request.user)
    return render(
        request,
        "workforce/index.html",
        {
            "months": months,
            "rows": rows,
            "can_submit": access.providers_where(request.user, "submit_workforce_return").exists(),
        },
    )


def _training(workforce_return, provider) -> list:
    """The return's training by module, each flagged against its LMNS's threshold in force at the
    end of the return's month: the same line the quality view rates the module by."""
    if workforce_return is None:
        return []
    month = workforce_return.month
    on = month.replace(day=monthrange(month.year, month.month)[1])
    thresholds = thresholds_for(lmns_ids={provider.lmns_id}, on=on)[provider.lmns_id]
    return [module.with_target(thresholds) for module in workforce_return.training]


def provider_workforce(request, ods_code):
    provider = access.get_for_user(Provider.objects.select_related("lmns"), request.user, ods_code=ods_code)
    months, trends, returns = selectors.provider_trends(provider=provider)
    return render(
        request,
        "workforce/provider.html",
        {
            "provider": provider,
            "months": months,
            "trends": trends,
            "returns": returns,
            "training": _training(returns[0] if returns else None, provider),
            "can_submit": access.can(request.user, "submit_workforce_return", provider),
        },
    )


def return_detail(request, pk):
    workforce_return = access.get_for_user(
        WorkforceReturn.objects.select_related("provider", "submitted_by").with_training(),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "workforce/return_detail.html",
        {
            "return": workforce_return,
            "summary": selectors.return_summary(workforce_return),
            "training": _training(workforce_return, workforce_return.provider),
            **perinatal_context(workforce_return),
            "can_edit": access.can(request.user, "submit_workforce_return", workforce_return.provider),
        },
    )


def _asked_for(request) -> dict:
    """The provider and month a calendar deadline links with (``?provider=&month=``), so that
    the form opens on that provider's return for that month."""
    initial = {}
    if (provider := query.optional_id(request.GET, "provider")) is not None:
        initial["provider"] = provider
    if month := request.GET.get("month", ""):
        initial["month"] = query.parse_month(month).isoformat()
    return initial


def _chosen_provider(form) -> Provider | None:
    """The provider whose return the form is for: the one posted, asked for in the link, or the
    user's only one. Its birth sites decide the perinatal fieldsets."""
    value = form["provider"].value()
    if isinstance(value, Provider):
        return value
    if not str(value or "").isdigit():
        return None
    return form.fields["provider"].queryset.filter(pk=value).first()


def return_create(request):
    form = WorkforceReturnForm(request.POST or None, user=request.user, initial=_asked_for(request))
    if not form.fields["provider"].queryset.exists():
        raise PermissionDenied
    provider = _chosen_provider(form)
    if provider is None:
        # The perinatal figures are asked per site of the provider, so the provider comes first;
        # a choice sent without one (or with one not theirs) is answered with its error.
        sent = (
            request.POST if request.method == "POST" else request.GET if "provider" in request.GET else None
        )
        chooser = ReturnProviderForm(sent, providers=form.fields["provider"].queryset)
        if sent is not None:
            chooser.full_clean()
        return render(request, "workforce/return_provider.html", {"form": chooser})
    sites = birth_sites(provider)
    perinatal_forms = site_forms(request.POST or None, units=sites)
    needs_confirmation = False
    # Every form is checked, so that every mistake is shown at once.
    if (
        request.method == "POST"
        and sites
        and all([form.is_valid()] + [f.is_valid() for f in perinatal_forms])
    ):
        fields = dict(form.cleaned_data)
        started = timezone.now()
        workforce_return = save_monthly(
            [form, *perinatal_forms],
            perinatal_services.monthly_return_submit,
            provider=fields.pop("provider"),
            month=fields.pop("month"),
            confirm_changes=fields.pop("confirm_changes"),
            by=request.user,
            workforce=fields,
            perinatal=site_figures(perinatal_forms),
        )
        if workforce_return:
            late = (
                " It is late: returns are due by the 15th of the next month."
                if workforce_return.is_late
                else ""
            )
            signals = signals_opened_words(workforce_return.provider, started)
            messages.success(request, f"Return for {workforce_return.month:%B %Y} submitted.{late}{signals}")
            return redirect("workforce:provider", ods_code=workforce_return.provider.ods_code)
        needs_confirmation = _needs_confirmation(form)
    return render(
        request,
        "workforce/return_form.html",
        {
            "form": form,
            "provider": provider,
            "perinatal_forms": perinatal_forms,
            "perinatal_errors": any(f.errors for f in perinatal_forms),
            "needs_confirmation": needs_confirmation,
        },
    )


def return_edit(request, pk):
    workforce_return = access.get_for_user(
        WorkforceReturn.objects.select_related("provider"),
        request.user,
        action="submit_workforce_return",
        pk=pk,
    )
    form = WorkforceReturnForm(request.POST or None, user=request.user, workforce_return=workforce_return)
    sites = birth_sites(workforce_return.provider)
    perinatal_forms = site_forms(request.POST or None, units=sites, workforce_return=workforce_return)
    needs_confirmation = False
    if (
        request.method == "POST"
        and sites
        and all([form.is_valid()] + [f.is_valid() for f in perinatal_forms])
    ):
        fields = dict(form.cleaned_data)
        started = timezone.now()
        if save_monthly(
            [form, *perinatal_forms],
            perinatal_services.monthly_return_update,
            workforce_return=workforce_return,
            confirm_changes=fields.pop("confirm_changes"),
            by=request.user,
            workforce=fields,
            perinatal=site_figures(perinatal_forms),
        ):
            signals = signals_opened_words(workforce_return.provider, started)
            messages.success(request, f"Return for {workforce_return.month:%B %Y} corrected.{signals}")
            return redirect(workforce_return)
        workforce_return.refresh_from_db()
        needs_confirmation = _needs_confirmation(form)
    return render(
        request,
        "workforce/return_form.html",
        {
            "form": form,
            "provider": workforce_return.provider,
            "perinatal_forms": perinatal_forms,
            "perinatal_errors": any(f.errors for f in perinatal_forms),
            "needs_confirmation": needs_confirmation,
            "return": workforce_return,
        },
    )


def _needs_confirmation(form) -> bool:
    """Whether the refusal was for unconfirmed changes, so the form shows the confirmation."""
    return any(error.code == "unconfirmed_changes" for error in form.non_field_errors().as_data())
