from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from incidents import selectors, services
from incidents.filters import LearningFilter
from incidents.forms import LearningForm, LearningSubmitForm
from incidents.models import Incident, Learning, LearningStatus
from lmns import access, query
from lmns.forms_service import run_service, save_with
from lmns.models import Provider
from lmns.pagination import paginate

_FIELDS = ["title", "what_happened", "what_we_learned", "what_we_changed", "themes", "incidents"]


def learning_list(request):
    """The user's own providers' learning, in every status."""
    learning = Learning.objects.visible_to(request.user, own_only=True).select_related("provider")
    filterset = LearningFilter(
        request.GET, queryset=learning, request=request, providers=access.providers_for(request.user)
    )
    page = paginate(request, filterset.qs.prefetch_related("themes"))
    return render(request, "incidents/learning_list.html", {"filter": filterset, "page": page})


def library(request):
    """Learning shared at the SSIG of the user's LMNSs: every provider's, searchable."""
    shared = Learning.objects.visible_to(request.user).shared().select_related("provider")
    providers = Provider.objects.filter(pk__in=shared.values("provider"))
    filterset = LearningFilter(request.GET, queryset=shared, request=request, providers=providers)
    filterset.filters.pop("status")
    page = paginate(request, filterset.qs.prefetch_related("themes"))
    return render(request, "incidents/library.html", {"filter": filterset, "page": page})


def learning_detail(request, pk):
    learning = access.get_for_user(
        Learning.objects.select_related("provider", "created_by", "signed_off_by"), request.user, pk=pk
    )
    provider = learning.provider
    return render(
        request,
        "incidents/learning_detail.html",
        {
            "learning": learning,
            # Shared learning is read across the LMNS; its incidents stay with their provider.
            "incidents": Incident.objects.visible_to(request.user).filter(learning=learning),
            "actions": learning.safety_actions.visible_to(request.user).select_related("owner"),
            "submission": getattr(learning, "submission", None),
            "can_edit": learning.is_editable and access.can(request.user, "record_incident", provider),
            "can_review": access.can(request.user, "review_incident", provider),
            "LearningStatus": LearningStatus,
        },
    )


def learning_create(request):
    form = LearningForm(request.POST or None, user=request.user, initial=_initial_incident(request))
    if not form.fields["provider"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in _FIELDS}
        learning = save_with(
            form, services.learning_create, provider=data["provider"], by=request.user, **fields
        )
        if learning:
            messages.success(request, "Learning saved as a draft. Your provider lead can now sign it off.")
            return redirect(learning)
    return render(request, "incidents/learning_form.html", {"form": form})


def _initial_incident(request):
    """Starting learning from an incident's page links that incident and starts "What happened"
    from the incident's own account, for the writer to edit."""
    incident_pk = query.optional_id(request.GET, "incident")
    if incident_pk is None:
        return {}
    incident = Incident.objects.visible_to(request.user).filter(pk=incident_pk).first()
    if incident is None:
        return {}
    return {"incidents": [incident], "provider": incident.provider, "what_happened": incident.summary}


def learning_edit(request, pk):
    learning = access.get_for_user(Learning.objects, request.user, action="record_incident", pk=pk)
    form = LearningForm(
        request.POST or None, instance=learning, user=request.user, provider=learning.provider
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in _FIELDS}
        if save_with(form, services.learning_update, learning=learning, by=request.user, **fields):
            messages.success(request, "Learning updated.")
            return redirect(learning)
    return render(request, "incidents/learning_form.html", {"form": form, "learning": learning})


@require_POST
def learning_sign_off(request, pk):
    learning = access.get_for_user(Learning.objects, request.user, action="review_incident", pk=pk)
    run_service(
        request,
        services.learning_sign_off,
        "Learning signed off. It can now be submitted to the SSIG.",
        learning=learning,
        by=request.user,
    )
    return redirect(learning)


@require_POST
def learning_return_to_draft(request, pk):
    learning = access.get_for_user(Learning.objects, request.user, action="review_incident", pk=pk)
    run_service(
        request,
        services.learning_return_to_draft,
        "Learning returned to draft.",
        learning=learning,
        by=request.user,
    )
    return redirect(learning)


@require_POST
def learning_withdraw(request, pk):
    learning = access.get_for_user(Learning.objects, request.user, action="review_incident", pk=pk)
    run_service(
        request,
        services.learning_withdraw,
        "Submission withdrawn. The learning is signed off, ready to submit again.",
        learning=learning,
        by=request.user,
    )
    return redirect(learning)


def learning_submit(request, pk):
    learning = access.get_for_user(Learning.objects, request.user, action="review_incident", pk=pk)
    form = LearningSubmitForm(request.POST or None, meetings=selectors.open_meetings_for(learning))
    if request.method == "POST" and form.is_valid():
        meeting = form.cleaned_data["meeting"]
        if save_with(form, services.learning_submit, learning=learning, meeting=meeting, by=request.user):
            messages.success(request, f"Submitted to the {meeting}.")
            return redirect(learning)
    return render(request, "incidents/learning_submit.html", {"form": form, "learning": learning})
