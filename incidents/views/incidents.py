from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from incidents import selectors, services
from incidents.filters import IncidentFilter
from incidents.forms import IncidentForm, IncidentTransitionForm, MnsiRecommendationForm
from incidents.models import Incident, IncidentStatus
from lmns import access
from lmns.forms_service import run_service, save_with
from lmns.history import PER_PAGE
from lmns.pagination import paginate


@never_cache
def incident_referral_history(request, pk):
    """The History page of an incident's referrals (MNSI's is in the incident's own history)."""
    incident = access.get_for_user(Incident.objects, request.user, pk=pk)
    page = paginate(request, selectors.incident_referral_changes(incident), per_page=PER_PAGE)
    return render(request, "incidents/incident_referral_history.html", {"record": incident, "page": page})


def incident_list(request):
    incidents = Incident.objects.visible_to(request.user).select_related("provider", "unit", "incident_type")
    filterset = IncidentFilter(request.GET, queryset=incidents, request=request)
    page = paginate(request, filterset.qs)
    return render(request, "incidents/incident_list.html", {"filter": filterset, "page": page})


def incident_detail(request, pk):
    incident = access.get_for_user(
        Incident.objects.select_related("provider", "unit", "incident_type", "created_by"),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "learning": incident.learning.all(),
            "actions": incident.safety_actions.select_related("owner"),
            "can_edit": access.can(request.user, "record_incident", incident.provider),
            "can_review": access.can(request.user, "review_incident", incident.provider),
            "can_hold": access.can(request.user, "hold_records", incident.provider),
            "transition_form": IncidentTransitionForm(),
        },
    )


def incident_create(request):
    form = IncidentForm(request.POST or None, user=request.user)
    if not form.fields["provider"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        incident = save_with(form, services.incident_create, by=request.user, **fields)
        if incident:
            messages.success(request, f"Incident {incident.local_reference} recorded.")
            return redirect(incident)
    return render(request, "incidents/incident_form.html", {"form": form})


def incident_edit(request, pk):
    incident = access.get_for_user(Incident.objects, request.user, action="record_incident", pk=pk)
    form = IncidentForm(
        request.POST or None, instance=incident, user=request.user, provider=incident.provider
    )
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        if save_with(form, services.incident_update, incident=incident, by=request.user, **fields):
            messages.success(request, "Incident updated.")
            return redirect(incident)
    return render(request, "incidents/incident_form.html", {"form": form, "incident": incident})


@require_POST
def incident_transition(request, pk):
    incident = access.get_for_user(Incident.objects, request.user, action="review_incident", pk=pk)
    form = IncidentTransitionForm(request.POST)
    if form.is_valid():
        to_status = form.cleaned_data["to_status"]
        label = IncidentStatus(to_status).label.lower()
        run_service(
            request,
            services.incident_transition,
            f"Incident is now {label}.",
            incident=incident,
            to_status=to_status,
            by=request.user,
        )
    else:
        messages.error(request, "Choose a status to move the incident to.")
    return redirect(incident)


@require_POST
def incident_legal_hold(request, pk):
    incident = access.get_for_user(Incident.objects, request.user, action="hold_records", pk=pk)
    held = request.POST.get("legal_hold") == "on"
    message = "The incident is under legal hold: retention keeps it." if held else "The legal hold is lifted."
    run_service(
        request, services.incident_legal_hold_set, message, incident=incident, held=held, by=request.user
    )
    return redirect(incident)


def incident_mnsi_action(request, pk):
    incident = access.get_for_user(Incident.objects, request.user, action="record_incident", pk=pk)
    form = MnsiRecommendationForm(request.POST or None, incident=incident)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        if save_with(form, services.safety_action_from_mnsi, incident=incident, by=request.user, **fields):
            messages.success(request, "MNSI's recommendation recorded as a safety action.")
            return redirect(incident)
    return render(request, "incidents/mnsi_action_form.html", {"form": form, "incident": incident})
