"""Plain factories for the calendar of activities (beside tests/factories.py)."""

from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents.calendar import services
from incidents.calendar.models import CalendarCohort, CalendarEvent, EventKind


def at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def make_cohort(lmns, providers, name="Wave 2 of the collaborative") -> CalendarCohort:
    return services.calendar_cohort_save(lmns=lmns, name=name, providers=providers)


def make_event(lmns, *, by, providers=None, cohorts=None, day=None, **fields) -> CalendarEvent:
    """An event of ``lmns`` for every provider, or for ``providers`` or ``cohorts`` only."""
    day = day or timezone.localdate() + timedelta(days=14)
    defaults = {
        "kind": EventKind.LEARNING_SET,
        "title": "Wave 2 learning set 1",
        "starts_at": at(day, 9, 30),
        "ends_at": at(day, 16),
        "place": "Engine Shed, Bristol",
    }
    return services.calendar_event_save(
        lmns=lmns,
        by=by,
        for_all_providers=providers is None and cohorts is None,
        providers=providers or [],
        cohorts=cohorts or [],
        **{**defaults, **fields},
    )


def calendar_record(world, provider) -> dict:
    """For the access matrix: an event of ``provider``'s LMNS for that provider alone, with a
    file among its materials, and a cohort of that provider; made on first use so
    tests/conftest.py's World needs no change."""
    records = world.records.setdefault(("calendar", provider.pk), {})
    if not records:
        officer = world.personas["superuser"]
        event = make_event(
            provider.lmns, by=officer, providers=[provider], title=f"Learning set of {provider.ods_code}"
        )
        material = services.event_material_add(
            event=event,
            by=officer,
            title="Slides",
            file=SimpleUploadedFile("slides.pdf", b"%PDF-1.4 slides"),
        )
        cohort = make_cohort(provider.lmns, [provider], name=f"Cohort of {provider.ods_code}")
        records.update(event=event, material=material, cohort=cohort)
    return records
