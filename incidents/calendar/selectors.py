"""What goes on a person's calendar: the events they may see, and the deadlines the product
already knows (SSIG meetings and their submission deadlines, learning events, highlight reports
due and survey windows here; monthly returns, SCORE survey windows and framework deadlines from
the apps above, through incidents.calendar.deadlines), each linking to its page.

Every source is read through its own ``visible_to`` scope, so the month, the list and the feed
show one person exactly what their pages would.
"""

import calendar as calendar_module
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone

from incidents.calendar.deadlines import deadline_sources
from incidents.calendar.models import CalendarEvent
from incidents.calendar.services import event_audience
from incidents.highlights import selectors as highlights
from incidents.highlights.models import HighlightReport, report_due_on
from incidents.improvement.models import SurveyRound
from incidents.models import LearningEvent, SsigMeeting
from lmns import dates
from lmns.access import lmnss_staffed_by, providers_for
from lmns.months import add_months, first_of_month


@dataclass(frozen=True)
class Entry:
    """One thing on the calendar: an event (with times) or a deadline (a whole day)."""

    uid: str
    title: str
    kind: str
    starts_on: date
    ends_on: date
    url: str
    event: CalendarEvent | None = None
    is_deadline: bool = False
    # A deadline passed with its work not done (a highlight report not submitted by its due day).
    late: bool = False

    @property
    def sort_key(self):
        start = timezone.localtime(self.event.starts_at).time() if self.event else time.min
        return (self.starts_on, not self.is_deadline, start, self.title)


def month_bounds() -> tuple[date, date]:
    """The first and last months the calendar will show: those a date may be entered in."""
    today = timezone.localdate()
    return first_of_month(dates.EARLIEST), first_of_month(dates.latest(today))


def parse_month(text: str) -> tuple[date, str]:
    """The month asked for as YYYY-MM, or this month and why the one asked for is refused."""
    this_month = first_of_month(timezone.localdate())
    if not text:
        return this_month, ""
    first, last = month_bounds()
    problem = f"Enter a month between {first:%B %Y} and {last:%B %Y}, for example {this_month:%Y-%m}."
    try:
        year, month = (int(part) for part in text.split("-"))
        asked = date(year, month, 1)
    except ValueError:
        return this_month, problem
    if not first <= asked <= last:
        return this_month, problem
    return asked, ""


def _event_entries(*, user, first: date, last: date) -> list[Entry]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    events = CalendarEvent.objects.visible_to(user).filter(starts_at__lt=end, ends_at__gte=start)
    return [
        Entry(
            uid=f"calendar-event-{event.pk}",
            title=event.title,
            kind=event.get_kind_display(),
            starts_on=timezone.localdate(event.starts_at),
            ends_on=timezone.localdate(event.ends_at),
            url=event.get_absolute_url(),
            event=event,
        )
        for event in events.order_by("starts_at", "pk")
    ]


def deadline_entry(uid: str, title: str, kind: str, day: date, url: str, *, late: bool = False) -> Entry:
    return Entry(
        uid=uid, title=title, kind=kind, starts_on=day, ends_on=day, url=url, is_deadline=True, late=late
    )


def _ssig_entries(*, user, first: date, last: date) -> list[Entry]:
    entries = []
    meetings = SsigMeeting.objects.visible_to(user)
    for meeting in meetings.filter(submission_deadline__range=(first, last)).order_by("pk"):
        entries.append(
            deadline_entry(
                f"ssig-deadline-{meeting.pk}",
                f"SSIG submission deadline (meeting {meeting.meeting_on:%-d %B})",
                "SSIG deadline",
                meeting.submission_deadline,
                meeting.get_absolute_url(),
            )
        )
    for meeting in meetings.filter(meeting_on__range=(first, last)).order_by("pk"):
        entries.append(
            deadline_entry(
                f"ssig-meeting-{meeting.pk}",
                "Safety System Improvement Group meeting",
                "SSIG meeting",
                meeting.meeting_on,
                meeting.get_absolute_url(),
            )
        )
    for event in LearningEvent.objects.visible_to(user).filter(held_on__range=(first, last)).order_by("pk"):
        entries.append(
            deadline_entry(
                f"learning-event-{event.pk}",
                event.topic,
                "Learning event",
                event.held_on,
                event.get_absolute_url(),
            )
        )
    return entries


def _survey_entries(*, user, first: date, last: date) -> list[Entry]:
    entries = []
    rounds = SurveyRound.objects.visible_to(user)
    for survey in rounds.filter(opened_on__range=(first, last)).order_by("pk"):
        entries.append(
            deadline_entry(
                f"survey-opens-{survey.pk}",
                f"{survey.title} opens",
                "Survey",
                survey.opened_on,
                survey.get_absolute_url(),
            )
        )
    for survey in rounds.filter(closed_on__range=(first, last)).order_by("pk"):
        entries.append(
            deadline_entry(
                f"survey-closes-{survey.pk}",
                f"{survey.title} closed",
                "Survey",
                survey.closed_on,
                survey.get_absolute_url(),
            )
        )
    return entries


def _highlight_entries(*, user, first: date, last: date) -> list[Entry]:
    """Each provider plan's monthly highlight report, on its LMNS's due day of the month after,
    linking to the report once started (else to the plan's reports), from the month the plan
    started to the month it closed in. Late as the LMNS's highlight page says it: past its due
    day and not submitted. Three queries, however many plans and months."""
    plans = list(highlights.provider_plans(user=user))
    if not plans:
        return []
    days = highlights.due_days({plan.lmns_id for plan in plans})
    # A month's report falls due in the month after, so the months before each month shown.
    months = []
    month = add_months(first_of_month(first), -1)
    while month < first_of_month(last):
        months.append(month)
        month = add_months(month, 1)
    due = [
        (plan, month, report_due_on(month, days[plan.lmns_id]))
        for plan in plans
        for month in months
        if highlights.owes_report(plan, month) and first <= report_due_on(month, days[plan.lmns_id]) <= last
    ]
    if not due:
        return []
    reports = HighlightReport.objects.filter(
        plan__in=[plan.pk for plan in plans], month__in={month for _plan, month, _day in due}
    ).only("pk", "plan_id", "month", "status")
    by_month = {(report.plan_id, report.month): report for report in reports}
    today = timezone.localdate()
    entries = []
    for plan, month, due_on in due:
        report = by_month.get((plan.pk, month))
        entries.append(
            deadline_entry(
                f"highlight-report-{plan.pk}-{month:%Y-%m}",
                f"Highlight report for {month:%B %Y} due: {plan.title} ({plan.provider.name})",
                "Highlight report due",
                due_on,
                report.get_absolute_url()
                if report
                else reverse("incidents:improvement-highlight-plan", kwargs={"pk": plan.pk}),
                late=due_on < today and (report is None or report.status not in highlights.SUBMITTED),
            )
        )
    return entries


def calendar_entries(*, user, first: date, last: date) -> list[Entry]:
    """Everything on the person's calendar from ``first`` to ``last``, in order."""
    entries = [
        *_event_entries(user=user, first=first, last=last),
        *_ssig_entries(user=user, first=first, last=last),
        *_survey_entries(user=user, first=first, last=last),
        *_highlight_entries(user=user, first=first, last=last),
        *(entry for source in deadline_sources() for entry in source(user=user, first=first, last=last)),
    ]
    return sorted(entries, key=lambda entry: entry.sort_key)


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    entries: list[Entry] = field(default_factory=list)


def month_weeks(*, user, month: date) -> list[list[Day]]:
    """The month as weeks from Monday, each day holding its entries (an event spanning several
    days is on each of them)."""
    weeks = calendar_module.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    first, last = weeks[0][0], weeks[-1][-1]
    by_day = defaultdict(list)
    for entry in calendar_entries(user=user, first=first, last=last):
        day = max(entry.starts_on, first)
        while day <= min(entry.ends_on, last):
            by_day[day].append(entry)
            day += timedelta(days=1)
    today = timezone.localdate()
    return [[Day(d, d.month == month.month, d == today, by_day[d]) for d in week] for week in weeks]


def _staffs(user, event: CalendarEvent) -> bool:
    return lmnss_staffed_by(user).filter(pk=event.lmns_id).exists()


def event_attendance_visible(*, user, event: CalendarEvent):
    """Attendance rows of the providers the person can see: another provider's attendance
    would say who else the event was for."""
    if _staffs(user, event):
        rows = event.attendance.all()
    else:
        rows = event.attendance.filter(provider__in=providers_for(user))
    return rows.select_related("provider")


def event_audience_visible(*, user, event: CalendarEvent):
    """The chosen providers, and those of its cohorts now, that the person may know of (all of
    them, for the LMNS's own members)."""
    audience = event_audience(event).order_by("name")
    if _staffs(user, event):
        return audience
    return audience.filter(pk__in=providers_for(user).values("pk"))


def event_cohorts_visible(*, user, event: CalendarEvent):
    """A cohort's name only to the LMNS's own members: it would tell a provider who else is in it."""
    if _staffs(user, event):
        return event.cohorts.all()
    return event.cohorts.none()
