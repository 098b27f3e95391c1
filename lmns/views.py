from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lmns import access, health, services
from lmns.forms import UnitForm
from lmns.forms_service import save_with
from lmns.models import Provider


def provider_list(request):
    providers = Provider.objects.visible_to(request.user).select_related("lmns")
    return render(request, "lmns/provider_list.html", {"providers": providers})


def provider_detail(request, ods_code):
    provider = access.get_for_user(Provider.objects.select_related("lmns"), request.user, ods_code=ods_code)
    return render(
        request,
        "lmns/provider_detail.html",
        {
            "provider": provider,
            "units": provider.units.all(),
            "can_manage_units": access.can(request.user, "manage_units", provider),
        },
    )


def unit_create(request, ods_code):
    provider = access.get_for_user(Provider.objects, request.user, action="manage_units", ods_code=ods_code)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_create(provider=provider, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(provider)
    return render(request, "lmns/unit_form.html", {"provider": provider, "form": form})


def unit_edit(request, ods_code, pk):
    provider = access.get_for_user(Provider.objects, request.user, action="manage_units", ods_code=ods_code)
    unit = get_object_or_404(provider.units, pk=pk)
    form = UnitForm(request.POST or None, instance=unit)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(form, services.unit_update, unit=unit, by=request.user, **form.cleaned_data)
    ):
        return redirect(provider)
    return render(request, "lmns/unit_form.html", {"provider": provider, "form": form, "unit": unit})


@login_not_required
@never_cache
@require_GET
def healthz(request):
    checks = health.health_checks()
    healthy = all(checks[name] != "unavailable" for name in health.SERVING)
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
