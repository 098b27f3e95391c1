"""A fictional calendar for the demonstration LMNS (see lmns.demo): the coming quarter of the
improvement collaborative's activities, in the shape of the seed calendar (learning sets, local
learning system meetings, a Monday webinar series on the five clinical drivers, a LifeQI clinic,
a sharing day, a debrief), and last month's webinar with its attendance.

Dates are relative to today; running it again changes nothing: the calendar is only added to an
LMNS that has none.
"""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from incidents.calendar import services
from incidents.calendar.models import CalendarEvent, EventKind
from lmns.models import Lmns

JOIN = "https://example.invalid/join/lmns-webinar"
# The Monday webinar series, one clinical primary driver a week (seed 001).
WEBINARS = [
    "Smoke-free pregnancy",
    "Diabetes in pregnancy",
    "Neonatal hypoglycaemia",
    "Optimisation of the very preterm infant",
    "Deterioration of mothers and babies",
]
AGENDA = b"Day 1: what your data shows. Day 2: PDSA cycles in practice. Day 3: planning the next 90 days.\n"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _weekday_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _calendar(*, lmns: Lmns, officer, today: date) -> None:
    providers = {provider.ods_code: provider for provider in lmns.providers.all()}
    two = [providers[code] for code in ("ZZA", "ZZB") if code in providers]

    def add(kind, title, starts_at, ends_at, *, chosen=None, place="", link="", description=""):
        return services.calendar_event_save(
            lmns=lmns,
            by=officer,
            for_all_providers=chosen is None,
            providers=chosen or [],
            kind=kind,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            place=place,
            joining_link=link,
            description=description,
        )

    learning_set_day = _weekday_after(today + timedelta(days=18), 2)
    learning_set = add(
        EventKind.LEARNING_SET,
        "Wave 2 learning set 1",
        _at(learning_set_day, 9, 30),
        _at(learning_set_day + timedelta(days=2), 16),
        chosen=two,
        place="Northshire Conference Centre",
        description="Three days for the wave 2 teams: using your data, PDSA cycles, learning boards.",
    )
    services.event_material_add(
        event=learning_set, by=officer, title="Agenda", file=ContentFile(AGENDA, name="agenda.txt")
    )
    services.event_material_add(
        event=learning_set, by=officer, title="Presentations", url="https://example.invalid/guidebook/w2ls1"
    )
    clinic_day = _weekday_after(today + timedelta(days=9), 3)
    add(
        EventKind.CLINIC,
        "LifeQI clinic",
        _at(clinic_day, 14),
        _at(clinic_day, 15),
        chosen=two[:1],
        link=JOIN,
        description="Bring your run charts: help with setting up measures in LifeQI.",
    )
    lls_day = _weekday_after(today + timedelta(days=35), 1)
    add(
        EventKind.LOCAL_LEARNING_SYSTEM,
        "Local learning system 2",
        _at(lls_day, 10),
        _at(lls_day, 15, 30),
        place="Vale Valley Education Centre",
    )
    first_monday = _weekday_after(today + timedelta(days=42), 0)
    for week, topic in enumerate(WEBINARS):
        day = first_monday + timedelta(weeks=week)
        add(EventKind.WEBINAR, f"Webinar: {topic}", _at(day, 15), _at(day, 16), link=JOIN)
    debrief_day = _weekday_after(today + timedelta(days=56), 2)
    add(
        EventKind.DEBRIEF,
        "Culture survey debrief",
        _at(debrief_day, 13),
        _at(debrief_day, 14, 30),
        chosen=two[1:],
        place="Vale Valley University Hospital, seminar room 2",
    )
    sharing_day = _weekday_after(today + timedelta(days=77), 3)
    add(
        EventKind.SHARING_DAY,
        "Sharing day",
        _at(sharing_day, 9, 30),
        _at(sharing_day, 16, 30),
        place="Northshire Conference Centre",
        description="Each provider shows one change that worked, and one that did not.",
    )
    past_day = _weekday_after(today - timedelta(days=35), 0)
    past = add(EventKind.WEBINAR, "Webinar: Using your data", _at(past_day, 15), _at(past_day, 16), link=JOIN)
    services.event_attendance_record(
        event=past,
        by=officer,
        rows={
            provider: (people, roles)
            for provider, (people, roles) in zip(
                providers.values(),
                [(4, "Consultant midwife, quality improvement lead"), (2, "Audit midwife"), (1, "")],
                strict=False,
            )
        },
    )


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    if CalendarEvent.objects.filter(lmns=lmns).exists():
        return
    officer = get_user_model().objects.get(username="demo.officer")
    _calendar(lmns=lmns, officer=officer, today=timezone.localdate())
