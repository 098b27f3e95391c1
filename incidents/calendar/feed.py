"""The personal iCalendar feed that Outlook and other calendar apps subscribe to.

It carries what the person's calendar page shows, and no more: titles, times, places and
joining links, and a link back to each page. Descriptions and audiences stay behind sign-in,
since the address alone opens the feed.
"""

from datetime import date, timedelta

import icalendar
from django.utils import timezone

from incidents.calendar.selectors import Entry, calendar_entries
from lmns.months import add_months, first_of_month
from lmns.notifications import absolute_url

# How far back and ahead the feed reaches: enough for a calendar app to show the recent past
# and plan the year, without serving years of history on every refresh.
MONTHS_BACK = 3
MONTHS_AHEAD = 12
PRODUCT_ID = "-//LMNS Safety//Calendar of activities//EN"
UID_DOMAIN = "lmns-safety"


def _component(entry: Entry, stamp) -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", f"{entry.uid}@{UID_DOMAIN}")
    component.add("dtstamp", stamp)
    # A calendar app shows the summary alone, so lateness is said there.
    component.add("summary", f"{entry.title} (late)" if entry.late else entry.title)
    component.add("categories", [entry.kind])
    component.add("url", absolute_url(entry.url))
    if entry.event is not None:
        event = entry.event
        component.add("dtstart", timezone.localtime(event.starts_at))
        component.add("dtend", timezone.localtime(event.ends_at))
        component.add("sequence", event.sequence)
        if event.place:
            component.add("location", event.place)
        elif event.joining_link:
            component.add("location", event.joining_link)
        lines = [f"{entry.kind}."]
        if event.joining_link:
            lines.append(f"Join: {event.joining_link}")
        lines.append(f"Details and materials: {absolute_url(entry.url)}")
        component.add("description", "\n".join(lines))
    else:
        # A deadline is a whole day: the end of an all-day event is the day after.
        component.add("dtstart", entry.starts_on)
        component.add("dtend", entry.ends_on + timedelta(days=1))
        component.add("transp", "TRANSPARENT")
        component.add("description", f"{entry.kind}. {absolute_url(entry.url)}")
    return component


def feed_calendar(*, user, today: date | None = None) -> bytes:
    today = today or timezone.localdate()
    first = add_months(first_of_month(today), -MONTHS_BACK)
    last = add_months(first_of_month(today), MONTHS_AHEAD + 1) - timedelta(days=1)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "LMNS Safety calendar")
    stamp = timezone.now()
    for entry in calendar_entries(user=user, first=first, last=last):
        calendar.add_component(_component(entry, stamp))
    # Each event's time zone, defined in the file, as Outlook needs to place it correctly.
    calendar.add_missing_timezones()
    return calendar.to_ical()
