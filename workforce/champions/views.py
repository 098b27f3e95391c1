"""Safety champion walkabouts and meetings, their "you said, we did" actions, and the MNVP's
feedback. Everyone who can see a provider reads its records (the LMNS every provider's);
the provider's contributors and leads record them (``record_champions``)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from lmns import access
from lmns.forms_service import save_with
from lmns.models import Provider
from lmns.pagination import paginate
from workforce.champions import selectors, services
from workforce.champions.forms import (
    ACTION,
    ChampionActionForm,
    ChampionsMeetingForm,
    MnvpFeedbackForm,
    WalkaboutForm,
)
from workforce.champions.models import ChampionAction, ChampionsMeeting, MnvpFeedback, Walkabout


def _records(user) -> bool:
    return access.providers_where(user, ACTION).exists()


# The open actions listed at once, soonest due first; the rest are counted.
ACTIONS_SHOWN = 50


def _provider_asked(request) -> Provider | None:
    """The provider named by ``?provider=<ODS code>``, among those the user sees; 404 otherwise."""
    code = request.GET.get("provider", "")
    if not code:
        return None
    # Checked before the database sees it: PostgreSQL refuses a NUL in a string outright.
    if not (code.isascii() and code.isalnum() and len(code) <= 5):
        raise Http404("No such provider.")
    return get_object_or_404(Provider.objects.visible_to(request.user), ods_code=code.upper())


def champions(request):
    user = request.user
    provider = _provider_asked(request)
    actions = selectors.open_actions_for(user=user, provider=provider)
    return render(
        request,
        "workforce/champions/index.html",
        {
            "provider": provider,
            "walkabouts": paginate(request, selectors.walkabouts_for(user=user, provider=provider)),
            "meetings": selectors.meetings_for(user=user, provider=provider)[:10],
            "feedback": selectors.feedback_for(user=user, provider=provider)[:10],
            "actions": actions[:ACTIONS_SHOWN],
            "action_count": actions.count(),
            "can_record": _records(user),
        },
    )


def _create(request, form_class, service, template: str, noun: str):
    form = form_class(request.POST or None, user=request.user)
    if not form.fields["provider"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        record = save_with(form, service, by=request.user, **form.service_fields())
        if record:
            messages.success(request, f"{noun} recorded.")
            return redirect(record)
    return render(request, template, {"form": form})


def _edit(request, record, form_class, service, kind: str, template: str, noun: str):
    form = form_class(request.POST or None, instance=record, user=request.user)
    fields = form.service_fields() if request.method == "POST" and form.is_valid() else None
    if fields is not None and save_with(form, service, **{kind: record}, by=request.user, **fields):
        messages.success(request, f"{noun} updated.")
        return redirect(record)
    return render(request, template, {"form": form, "record": record})


def _detail(request, record, template: str):
    return render(
        request,
        template,
        {
            "record": record,
            "actions": record.actions.all(),
            "can_record": access.can(request.user, ACTION, record.provider),
        },
    )


def _action_add(request, source):
    form = ChampionActionForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form, services.champion_action_add, source=source, by=request.user, **form.service_fields()
        )
    ):
        messages.success(request, "Action added.")
        return redirect(source)
    return render(request, "workforce/champions/action_form.html", {"form": form, "source": source})


def walkabout_create(request):
    return _create(
        request,
        WalkaboutForm,
        services.walkabout_record,
        "workforce/champions/walkabout_form.html",
        "Walkabout",
    )


def walkabout_detail(request, pk):
    walkabout = access.get_for_user(Walkabout.objects.select_related("provider", "unit"), request.user, pk=pk)
    return _detail(request, walkabout, "workforce/champions/walkabout_detail.html")


def walkabout_edit(request, pk):
    walkabout = access.get_for_user(
        Walkabout.objects.select_related("provider", "unit"), request.user, action=ACTION, pk=pk
    )
    return _edit(
        request,
        walkabout,
        WalkaboutForm,
        services.walkabout_update,
        "walkabout",
        "workforce/champions/walkabout_form.html",
        "Walkabout",
    )


def walkabout_action_add(request, pk):
    walkabout = access.get_for_user(
        Walkabout.objects.select_related("provider", "unit"), request.user, action=ACTION, pk=pk
    )
    return _action_add(request, walkabout)


def meeting_create(request):
    return _create(
        request,
        ChampionsMeetingForm,
        services.champions_meeting_record,
        "workforce/champions/meeting_form.html",
        "Meeting",
    )


def meeting_detail(request, pk):
    meeting = access.get_for_user(ChampionsMeeting.objects.select_related("provider"), request.user, pk=pk)
    return _detail(request, meeting, "workforce/champions/meeting_detail.html")


def meeting_edit(request, pk):
    meeting = access.get_for_user(
        ChampionsMeeting.objects.select_related("provider"), request.user, action=ACTION, pk=pk
    )
    return _edit(
        request,
        meeting,
        ChampionsMeetingForm,
        services.champions_meeting_update,
        "meeting",
        "workforce/champions/meeting_form.html",
        "Meeting",
    )


def meeting_action_add(request, pk):
    meeting = access.get_for_user(
        ChampionsMeeting.objects.select_related("provider"), request.user, action=ACTION, pk=pk
    )
    return _action_add(request, meeting)


def action_edit(request, pk):
    action = access.get_for_user(
        ChampionAction.objects.select_related("provider", "walkabout__unit", "meeting"),
        request.user,
        action=ACTION,
        pk=pk,
    )
    form = ChampionActionForm(request.POST or None, instance=action)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_with(
            form, services.champion_action_update, action=action, by=request.user, **form.service_fields()
        )
    ):
        messages.success(request, "Action updated.")
        return redirect(action.source)
    return render(
        request,
        "workforce/champions/action_form.html",
        {"form": form, "source": action.source, "action": action},
    )


def feedback_create(request):
    return _create(
        request,
        MnvpFeedbackForm,
        services.mnvp_feedback_record,
        "workforce/champions/feedback_form.html",
        "MNVP feedback",
    )


def feedback_detail(request, pk):
    feedback = access.get_for_user(MnvpFeedback.objects.select_related("provider"), request.user, pk=pk)
    return render(
        request,
        "workforce/champions/feedback_detail.html",
        {"record": feedback, "can_record": access.can(request.user, ACTION, feedback.provider)},
    )


def feedback_edit(request, pk):
    feedback = access.get_for_user(
        MnvpFeedback.objects.select_related("provider"), request.user, action=ACTION, pk=pk
    )
    return _edit(
        request,
        feedback,
        MnvpFeedbackForm,
        services.mnvp_feedback_update,
        "feedback",
        "workforce/champions/feedback_form.html",
        "MNVP feedback",
    )
