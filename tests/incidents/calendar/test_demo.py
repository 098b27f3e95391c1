from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidents.calendar.models import CalendarEvent, EventAttendance, EventKind

pytestmark = pytest.mark.django_db


def test_the_demo_calendar_fills_the_coming_quarter_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    today = timezone.localdate()
    upcoming = CalendarEvent.objects.filter(starts_at__date__gte=today)
    assert upcoming.count() == 10
    assert {event.kind for event in upcoming} == set(EventKind)
    assert all(event.starts_at.date() <= today + timedelta(days=92) for event in upcoming)
    learning_set = upcoming.get(kind=EventKind.LEARNING_SET)
    assert learning_set.providers.count() == 2
    assert learning_set.materials.count() == 2
    assert EventAttendance.objects.filter(event__starts_at__date__lt=today).count() == 3
