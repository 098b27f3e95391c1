"""Calendar pages: the month and the list, an event with its materials and attendance, adding
and changing events, and the personal feed with its secret address."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.calendar import selectors, services
from incidents.calendar.feed import feed_calendar
from incidents.calendar.forms import AttendanceForm, CalendarCohortForm, CalendarEventForm, EventMaterialForm
from incidents.calendar.models import CalendarCohort, CalendarEvent, CalendarFeed, feed_token_hash
from lmns import access
from lmns.forms_service import save_with
from lmns.months import add_months
from lmns.responses import stored_file_response


def _month_context(request) -> dict:
    month, problem = selectors.parse_month(request.GET.get("month", ""))
    first, last = selectors.month_bounds()
    previous, following = add_months(month, -1), add_months(month, 1)
    return {
        "month": month,
        "problem": problem,
        "previous": previous if previous >= first else None,
        "following": following if following <= last else None,
        "may_keep": access.lmnss_where(request.user, "keep_calendar").exists(),
    }


def _month_page(request, template: str, extra) -> HttpResponse:
    context = _month_context(request)
    context.update(extra(context["month"]))
    # A refused month is said on the page, with this month shown instead.
    return render(request, template, context, status=400 if context["problem"] else 200)


@require_GET
def calendar_month(request):
    return _month_page(
        request,
        "incidents/calendar/month.html",
        lambda month: {"weeks": selectors.month_weeks(user=request.user, month=month)},
    )


@require_GET
def calendar_list(request):
    def entries(month):
        last = add_months(month, 1) - timedelta(days=1)
        return {"entries": selectors.calendar_entries(user=request.user, first=month, last=last)}

    return _month_page(request, "incidents/calendar/list.html", entries)


def _event_for(request, pk, *, action: str | None = None) -> CalendarEvent:
    return access.get_for_user(
        CalendarEvent.objects.select_related("lmns"), request.user, action=action, pk=pk
    )


def event_detail(request, pk):
    event = _event_for(request, pk)
    return render(
        request,
        "incidents/calendar/event_detail.html",
        {
            "event": event,
            "materials": event.materials.all(),
            "audience": selectors.event_audience_visible(user=request.user, event=event),
            "cohorts": selectors.event_cohorts_visible(user=request.user, event=event),
            "attendance": selectors.event_attendance_visible(user=request.user, event=event),
            "may_keep": access.can(request.user, "keep_calendar", event.lmns),
        },
    )


def event_create(request):
    form = CalendarEventForm(request.POST or None, user=request.user)
    if not form.fields["lmns"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        event = save_with(form, services.calendar_event_save, by=request.user, **form.service_fields())
        if event:
            messages.success(request, f"“{event.title}” added to the calendar.")
            return redirect(event)
    return render(request, "incidents/calendar/event_form.html", {"form": form})


def event_edit(request, pk):
    event = _event_for(request, pk, action="keep_calendar")
    form = CalendarEventForm(request.POST or None, user=request.user, event=event)
    if request.method == "POST" and form.is_valid():
        fields = {**form.service_fields(), "lmns": event.lmns}
        saved = save_with(form, services.calendar_event_save, by=request.user, event=event, **fields)
        if saved:
            messages.success(request, "Event saved.")
            return redirect(saved)
    return render(request, "incidents/calendar/event_form.html", {"form": form, "event": event})


@require_POST
def event_remove(request, pk):
    event = _event_for(request, pk, action="keep_calendar")
    services.calendar_event_remove(event=event, by=request.user)
    messages.success(request, f"“{event.title}” removed from the calendar.")
    return redirect(f"{reverse('incidents:calendar')}?month={timezone.localtime(event.starts_at):%Y-%m}")


def material_add(request, pk):
    event = _event_for(request, pk, action="keep_calendar")
    form = EventMaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        material = save_with(
            form, services.event_material_add, event=event, by=request.user, **form.cleaned_data
        )
        if material:
            messages.success(request, f"“{material.title}” added.")
            return redirect(event)
    return render(request, "incidents/calendar/material_form.html", {"form": form, "event": event})


@require_GET
def material_download(request, pk, material):
    """Materials are served only here, after the access check, and always as attachments."""
    event = _event_for(request, pk)
    material = get_object_or_404(event.materials, pk=material)
    if not material.is_file:
        raise Http404("This material is a link, not a file.")
    return stored_file_response(
        material.file, filename=material.original_name, content_type=material.content_type
    )


def attendance(request, pk):
    event = _event_for(request, pk, action="keep_calendar")
    providers = services.event_audience(event).order_by("name")
    existing = {row.provider_id: row for row in event.attendance.all()}
    form = AttendanceForm(request.POST or None, providers=providers, existing=existing)
    if request.method == "POST" and form.is_valid():
        done = save_with(
            form, services.event_attendance_record, event=event, by=request.user, rows=form.rows()
        )
        if done:
            messages.success(request, "Attendance saved.")
            return redirect(event)
    return render(request, "incidents/calendar/attendance_form.html", {"form": form, "event": event})


@require_GET
def cohort_list(request):
    """The cohorts of the LMNSs whose calendar the person keeps."""
    lmnss = access.lmnss_where(request.user, "keep_calendar")
    if not lmnss.exists():
        raise PermissionDenied
    cohorts = (
        CalendarCohort.objects.filter(lmns__in=lmnss)
        .select_related("lmns")
        .prefetch_related("providers")
        .order_by("lmns__name", "name", "pk")
    )
    return render(request, "incidents/calendar/cohort_list.html", {"cohorts": cohorts})


@require_http_methods(["GET", "POST"])
def cohort_create(request):
    form = CalendarCohortForm(request.POST or None, user=request.user)
    if not form.fields["lmns"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        cohort = save_with(form, services.calendar_cohort_save, **form.cleaned_data)
        if cohort:
            messages.success(request, f"Cohort “{cohort.name}” added.")
            return redirect("incidents:calendar-cohorts")
    return render(request, "incidents/calendar/cohort_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def cohort_edit(request, pk):
    cohort = access.get_for_user(
        CalendarCohort.objects.select_related("lmns"), request.user, action="keep_calendar", pk=pk
    )
    form = CalendarCohortForm(request.POST or None, user=request.user, cohort=cohort)
    if request.method == "POST" and form.is_valid():
        fields = {**form.cleaned_data, "lmns": cohort.lmns}
        saved = save_with(form, services.calendar_cohort_save, cohort=cohort, **fields)
        if saved:
            messages.success(request, f"Cohort “{saved.name}” saved.")
            return redirect("incidents:calendar-cohorts")
    return render(request, "incidents/calendar/cohort_form.html", {"form": form, "cohort": cohort})


@require_http_methods(["GET", "POST"])
def feed_settings(request):
    """The person's feed address is shown once, when made: only its hash is kept."""
    token = None
    if request.method == "POST":
        if request.POST.get("step") == "remove":
            services.calendar_feed_remove(user=request.user)
            messages.success(
                request, "Your calendar address is turned off. Calendar apps using it get nothing more."
            )
            return redirect("incidents:calendar-feed-settings")
        token = services.calendar_feed_reset(user=request.user)
    feed = CalendarFeed.objects.filter(user=request.user).first()
    feed_url = (
        request.build_absolute_uri(reverse("incidents:calendar-feed", kwargs={"token": token}))
        if token
        else ""
    )
    return render(request, "incidents/calendar/feed_settings.html", {"feed": feed, "feed_url": feed_url})


@login_not_required
@require_GET
def feed(request, token):
    """The address is the credential: a wrong or retired one is not found."""
    found = CalendarFeed.objects.select_related("user").filter(token_hash=feed_token_hash(token)).first()
    if found is None or not found.user.is_active:
        raise Http404
    response = HttpResponse(feed_calendar(user=found.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lmns-calendar.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
