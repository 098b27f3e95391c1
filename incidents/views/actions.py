from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from incidents import services
from incidents.filters import SafetyActionFilter
from incidents.forms import SafetyActionForm
from incidents.models import SafetyAction
from lmns import access, query
from lmns.forms_service import save_with
from lmns.pagination import paginate


def action_list(request):
    actions = SafetyAction.objects.visible_to(request.user).select_related("provider", "owner", "incident")
    filterset = SafetyActionFilter(request.GET, queryset=actions, request=request)
    page = paginate(request, filterset.qs)
    return render(request, "incidents/action_list.html", {"filter": filterset, "page": page})


def action_detail(request, pk):
    action = access.get_for_user(
        SafetyAction.objects.select_related("provider", "owner", "incident", "learning"), request.user, pk=pk
    )
    return render(
        request,
        "incidents/action_detail.html",
        {"action": action, "can_edit": access.can(request.user, "record_incident", action.provider)},
    )


def action_create(request):
    initial = {
        key: value for key in ("incident", "learning") if (value := query.optional_id(request.GET, key))
    }
    form = SafetyActionForm(request.POST or None, user=request.user, initial=initial)
    if not form.fields["provider"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        action = save_with(form, services.safety_action_create, by=request.user, **form.cleaned_data)
        if action:
            messages.success(request, "Safety action recorded.")
            return redirect(action)
    return render(request, "incidents/action_form.html", {"form": form})


def action_edit(request, pk):
    action = access.get_for_user(SafetyAction.objects, request.user, action="record_incident", pk=pk)
    form = SafetyActionForm(
        request.POST or None, instance=action, user=request.user, provider=action.provider
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form, services.safety_action_update, action=action, by=request.user, **form.cleaned_data
        )
    ):
        messages.success(request, "Safety action updated.")
        return redirect(action)
    return render(request, "incidents/action_form.html", {"form": form, "action": action})
