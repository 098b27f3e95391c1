"""Perinatal figures of a provider, and the outcome signal log with its safety checks."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lmns import access
from lmns.models import Provider, Unit
from workforce.perinatal import selectors, services
from workforce.perinatal.forms import NationalSignalForm, SafetyCheckActionForm, SafetyCheckForm
from workforce.perinatal.models import OutcomeSignal, SafetyCheckAction
from workforce.perinatal.reference import signal_reference


def save_monthly(forms, service, **kwargs):
    """Call a monthly-return service; a refusal goes onto the form holding the field it names
    (the first form for the rest), so the user sees it beside what they typed."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            forms[0].add_error(None, error)
            return None
        site = getattr(error, "unit", None)
        for name, errors in error.error_dict.items():
            form = next((f for f in forms if name in f.fields and getattr(f, "unit", site) == site), forms[0])
            form.add_error(name if name in form.fields else None, errors)
        return None


def signals_opened_words(provider, since) -> str:
    """A sentence for each LMNS outcome signal that saving a return opened, to follow "Return
    submitted.": the submitter learns there and then that a critical safety check is due, and
    by when, rather than only if they open the provider's perinatal page."""
    return "".join(
        f" It opened {'a red' if signal.level == 'red' else 'an amber'} LMNS outcome signal at "
        f"{signal.unit.name} for {signal.get_measure_display().lower()} ({signal.month:%B %Y}): its "
        "critical safety check "
        f"is due by {signal.check_due_on:%-d %B %Y}."
        for signal in selectors.lmns_signals_opened_since(provider=provider, since=since)
    )


def perinatal_context(workforce_return) -> dict:
    """What a return's page shows of its perinatal half: the provider's totals (its sites'
    sum) with their rates, then each site's figures, in two queries however many sites."""
    perinatal = selectors.return_figures(workforce_return)
    if perinatal is None:
        return {"perinatal": None}
    return {
        "perinatal": perinatal,
        "perinatal_counts": selectors.return_counts(perinatal),
        "perinatal_rates": selectors.return_rates(perinatal),
        "perinatal_sites": selectors.return_sites(workforce_return),
        "site_rates": selectors.SITE_RATES,
    }


def birth_sites(provider):
    return list(Unit.objects.filter(provider=provider).birth_sites())


def site_figures(site_forms) -> dict:
    """What the services take: each site's figures, by site; a site left empty is left out, so
    it stays without figures for the month."""
    return {form.unit: form.cleaned_data for form in site_forms if not form.is_left_empty}


def provider_perinatal(request, ods_code):
    provider = access.get_for_user(Provider.objects.select_related("lmns"), request.user, ods_code=ods_code)
    months, trends = selectors.rate_trends(provider=provider)
    cusums = selectors.provider_cusums(provider=provider)
    return render(
        request,
        "workforce/perinatal/provider.html",
        {
            "provider": provider,
            "months": months,
            "trends": trends,
            "cusums": cusums,
            "past_crossings": selectors.past_crossings(provider=provider, cusums=cusums),
            "reference": signal_reference(),
            "signals": selectors.signals_visible_to(request.user).filter(provider=provider),
            "can_record": access.can(request.user, "record_safety_check", provider),
        },
    )


def signal_list(request):
    return render(
        request,
        "workforce/perinatal/signal_list.html",
        {
            "signals": selectors.signals_visible_to(request.user),
            "reference": signal_reference(),
            "can_record": access.providers_where(request.user, "record_safety_check").exists(),
        },
    )


def signal_create(request):
    providers = access.providers_where(request.user, "record_safety_check")
    if not providers.exists():
        raise PermissionDenied
    form = NationalSignalForm(request.POST or None, providers=providers)
    if request.method == "POST" and form.is_valid():
        try:
            fields = form.cleaned_data
            signal = services.national_signal_record(
                by=request.user, provider=fields["unit"].provider, **fields
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                "National MOSS signal recorded. Its critical safety check is due by "
                f"{signal.check_due_on:%-d %B %Y}.",
            )
            return redirect(signal)
    return render(request, "workforce/perinatal/signal_form.html", {"form": form})


def signal_detail(request, pk):
    signal = access.get_for_user(
        OutcomeSignal.objects.select_related("provider", "unit", "recorded_by"), request.user, pk=pk
    )
    return render(
        request,
        "workforce/perinatal/signal_detail.html",
        {
            "signal": signal,
            "actions": signal.actions.all(),
            "reference": signal_reference(),
            "can_record": access.can(request.user, "record_safety_check", signal.provider),
        },
    )


def signal_check(request, pk):
    signal = access.get_for_user(
        OutcomeSignal.objects.select_related("provider", "unit"),
        request.user,
        action="record_safety_check",
        pk=pk,
    )
    form = SafetyCheckForm(request.POST or None, instance=signal)
    if request.method == "POST" and form.is_valid():
        try:
            services.safety_check_record(signal=signal, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Critical safety check saved.")
            return redirect(signal)
        signal.refresh_from_db()
    return render(request, "workforce/perinatal/check_form.html", {"form": form, "signal": signal})


def signal_action_create(request, pk):
    signal = access.get_for_user(
        OutcomeSignal.objects.select_related("provider", "unit"),
        request.user,
        action="record_safety_check",
        pk=pk,
    )
    form = SafetyCheckActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.safety_check_action_add(signal=signal, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Action added.")
            return redirect(signal)
    return render(request, "workforce/perinatal/action_form.html", {"form": form, "signal": signal})


@require_POST
def signal_action_complete(request, pk):
    action = access.get_for_user(
        SafetyCheckAction.objects.select_related("signal__provider", "signal__unit"),
        request.user,
        action="record_safety_check",
        pk=pk,
    )
    services.safety_check_action_complete(action=action, by=request.user)
    messages.success(request, "Action marked as done.")
    return redirect(action.signal)
