from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from incidents import selectors, services
from incidents.filters import LearningEventFilter, SsigMeetingFilter
from incidents.forms import AcceptLateForm, LearningEventForm, SsigMeetingForm, SsigOutcomesForm
from incidents.models import LearningEvent, SsigMeeting
from lmns import access
from lmns.access import lmnss_where
from lmns.forms_service import run_service, save_with
from lmns.pagination import paginate


def meeting_list(request):
    meetings = SsigMeeting.objects.visible_to(request.user).select_related("lmns")
    filterset = SsigMeetingFilter(request.GET, queryset=meetings, request=request)
    return render(
        request,
        "incidents/meeting_list.html",
        {
            "filter": filterset,
            "page": paginate(request, filterset.qs),
            "can_run": lmnss_where(request.user, "run_ssig").exists(),
        },
    )


def meeting_detail(request, pk):
    meeting = access.get_for_user(SsigMeeting.objects.select_related("lmns"), request.user, pk=pk)
    can_run = access.can(request.user, "run_ssig", meeting.lmns)
    return render(
        request,
        "incidents/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": selectors.ssig_agenda(meeting=meeting, user=request.user),
            "submissions": selectors.ssig_agenda_submissions(meeting=meeting, user=request.user),
            "can_run": can_run,
            "accept_late_form": AcceptLateForm(meeting=meeting)
            if can_run and not meeting.is_held and meeting.is_past_deadline
            else None,
        },
    )


def meeting_create(request):
    form = SsigMeetingForm(request.POST or None, user=request.user)
    if not form.fields["lmns"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        meeting = save_with(form, services.ssig_meeting_create, by=request.user, **form.cleaned_data)
        if meeting:
            messages.success(request, f"{meeting} planned.")
            return redirect(meeting)
    return render(request, "incidents/meeting_form.html", {"form": form})


def meeting_outcomes(request, pk):
    meeting = access.get_for_user(SsigMeeting.objects, request.user, action="run_ssig", pk=pk)
    form = SsigOutcomesForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        outcomes = form.cleaned_data
        if save_with(
            form, services.ssig_meeting_record_outcomes, meeting=meeting, by=request.user, **outcomes
        ):
            messages.success(request, "Attendance and outcomes saved.")
            return redirect(meeting)
    return render(request, "incidents/meeting_outcomes.html", {"form": form, "meeting": meeting})


@require_POST
def meeting_hold(request, pk):
    meeting = access.get_for_user(SsigMeeting.objects, request.user, action="run_ssig", pk=pk)
    run_service(
        request,
        services.ssig_meeting_hold,
        "Meeting recorded as held. Its learning is now in the learning library for every provider.",
        meeting=meeting,
        by=request.user,
    )
    return redirect(meeting)


@require_POST
def meeting_accept_late(request, pk):
    meeting = access.get_for_user(SsigMeeting.objects, request.user, action="run_ssig", pk=pk)
    form = AcceptLateForm(request.POST, meeting=meeting)
    if form.is_valid():
        run_service(
            request,
            services.learning_submit,
            "Late submission accepted onto the agenda.",
            learning=form.cleaned_data["learning"],
            meeting=meeting,
            by=request.user,
            accept_late=True,
        )
    else:
        messages.error(request, "Choose signed-off learning to accept.")
    return redirect(meeting)


def event_list(request):
    events = LearningEvent.objects.visible_to(request.user).select_related("lmns").prefetch_related("themes")
    filterset = LearningEventFilter(request.GET, queryset=events, request=request)
    return render(
        request,
        "incidents/event_list.html",
        {
            "filter": filterset,
            "page": paginate(request, filterset.qs),
            "can_run": lmnss_where(request.user, "run_ssig").exists(),
        },
    )


def event_detail(request, pk):
    event = access.get_for_user(LearningEvent.objects.select_related("lmns"), request.user, pk=pk)
    return render(
        request,
        "incidents/event_detail.html",
        {"event": event, "themes": event.themes.all(), "learning": event.learning.select_related("provider")},
    )


def event_create(request):
    form = LearningEventForm(request.POST or None, user=request.user)
    if not form.fields["lmns"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        event = save_with(form, services.learning_event_create, by=request.user, **form.cleaned_data)
        if event:
            messages.success(request, "Learning event recorded.")
            return redirect(event)
    return render(request, "incidents/event_form.html", {"form": form})
