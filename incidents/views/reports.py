"""Reports: the SSIG meeting pack (spreadsheet and printable agenda) and theme analysis."""

from datetime import date

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from incidents import charts, exports, selectors
from incidents.models import SsigMeeting
from lmns import access, query
from lmns.forms import DateField
from lmns.responses import xlsx_response

MAX_ANALYSIS_MONTHS = 36


@require_GET
def meeting_pack(request, pk):
    meeting = access.get_for_user(SsigMeeting.objects.select_related("lmns"), request.user, pk=pk)
    workbook = exports.meeting_pack_workbook(
        meeting=meeting,
        submissions=selectors.ssig_agenda_submissions(meeting=meeting, user=request.user),
        generated_by=request.user,
    )
    return xlsx_response(workbook, f"ssig-pack-{meeting.meeting_on:%Y-%m-%d}.xlsx")


@require_GET
def meeting_print(request, pk):
    meeting = access.get_for_user(SsigMeeting.objects.select_related("lmns"), request.user, pk=pk)
    agenda = selectors.ssig_agenda(meeting=meeting, user=request.user)
    submissions = selectors.ssig_agenda_submissions(meeting=meeting, user=request.user)
    # Each item once, by provider, with its themes: printed under each of its themes, an item of
    # two themes filled two pages with the same text (issue #22). Its incidents as the pack says.
    items = [
        (s.learning, [exports.incident_line(incident) for incident in s.learning.incidents.all()])
        for s in submissions
    ]
    return render(
        request,
        "incidents/meeting_print.html",
        {"meeting": meeting, "agenda": agenda, "items": items},
    )


class ThemePeriodForm(forms.Form):
    start = DateField(
        label="From",
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": "Enter a start date.",
            "invalid": "Enter the start date as a real date, for example 2026-01-31.",
        },
    )
    end = DateField(
        label="To",
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": "Enter an end date.",
            "invalid": "Enter the end date as a real date, for example 2026-12-31.",
        },
    )

    def clean(self):
        cleaned = super().clean()
        for name in ("start", "end"):
            if cleaned.get(name) and not query.plausible(cleaned[name]):
                self.add_error(name, f"Enter a date {query.plausible_range_text()}.")
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", "The end date must be the same as or after the start date.")
            elif (end.year - start.year) * 12 + end.month - start.month >= MAX_ANALYSIS_MONTHS:
                self.add_error("end", f"Choose a period of {MAX_ANALYSIS_MONTHS} months or less.")
        return cleaned


def default_period(today: date) -> dict:
    """The last 12 months: from the first of the month 11 months ago up to today."""
    months_back = today.year * 12 + today.month - 1 - 11
    return {"start": date(months_back // 12, months_back % 12 + 1, 1), "end": today}


@require_GET
def theme_analysis(request):
    data = {**default_period(timezone.localdate()), **request.GET.dict()}
    form = ThemePeriodForm({name: data[name] for name in ("start", "end")})
    analysis = None
    if form.is_valid():
        analysis = selectors.theme_analysis(user=request.user, **form.cleaned_data)
    return render(
        request,
        "incidents/theme_analysis.html",
        {
            "form": form,
            "analysis": analysis,
            "table": charts.theme_table(analysis) if analysis else None,
            "chart": charts.theme_bar_chart(analysis) if analysis else None,
        },
        status=200 if form.is_valid() else 400,
    )
