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
from workforce.forms import WorkforceReturnForm
from workforce.models import WorkforceReturn
from workforce.perinatal import services as perinatal_services
from workforce.perinatal.forms import PerinatalReturnForm
from workforce.perinatal.views import perinatal_context, perinatal_of, save_monthly, signals_opened_words


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


def return_create(request):
    form = WorkforceReturnForm(request.POST or None, user=request.user, initial=_asked_for(request))
    perinatal_form = PerinatalReturnForm(request.POST or None)
    if not form.fields["provider"].queryset.exists():
        raise PermissionDenied
    needs_confirmation = False
    # Both forms are checked, so that every mistake is shown at once.
    if request.method == "POST" and all([form.is_valid(), perinatal_form.is_valid()]):
        fields = dict(form.cleaned_data)
        started = timezone.now()
        workforce_return = save_monthly(
            [form, perinatal_form],
            perinatal_services.monthly_return_submit,
            provider=fields.pop("provider"),
            month=fields.pop("month"),
            confirm_changes=fields.pop("confirm_changes"),
            by=request.user,
            workforce=fields,
            perinatal=perinatal_form.cleaned_data,
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
        {"form": form, "perinatal_form": perinatal_form, "needs_confirmation": needs_confirmation},
    )


def return_edit(request, pk):
    workforce_return = access.get_for_user(
        WorkforceReturn.objects.select_related("provider"),
        request.user,
        action="submit_workforce_return",
        pk=pk,
    )
    form = WorkforceReturnForm(request.POST or None, user=request.user, workforce_return=workforce_return)
    perinatal_form = PerinatalReturnForm(request.POST or None, instance=perinatal_of(workforce_return))
    needs_confirmation = False
    if request.method == "POST" and all([form.is_valid(), perinatal_form.is_valid()]):
        fields = dict(form.cleaned_data)
        started = timezone.now()
        if save_monthly(
            [form, perinatal_form],
            perinatal_services.monthly_return_update,
            workforce_return=workforce_return,
            confirm_changes=fields.pop("confirm_changes"),
            by=request.user,
            workforce=fields,
            perinatal=perinatal_form.cleaned_data,
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
            "perinatal_form": perinatal_form,
            "needs_confirmation": needs_confirmation,
            "return": workforce_return,
        },
    )


def _needs_confirmation(form) -> bool:
    """Whether the refusal was for unconfirmed changes, so the form shows the confirmation."""
    return any(error.code == "unconfirmed_changes" for error in form.non_field_errors().as_data())
