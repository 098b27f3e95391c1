"""Every change to the calendar: events, their materials and attendance, and feed addresses."""

import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from incidents.calendar.models import (
    CalendarCohort,
    CalendarEvent,
    CalendarFeed,
    EventAttendance,
    EventMaterial,
    feed_token_hash,
)
from lmns.models import Lmns, Provider
from lmns.uploads import check_upload

EVENT_FIELDS = ("kind", "title", "starts_at", "ends_at", "place", "joining_link", "description")


def _check_audience(
    *, lmns: Lmns, for_all_providers: bool, providers: list[Provider], cohorts: list[CalendarCohort]
) -> None:
    if any(provider.lmns_id != lmns.pk for provider in providers):
        raise ValidationError({"providers": "Choose providers of this LMNS."})
    if any(cohort.lmns_id != lmns.pk for cohort in cohorts):
        raise ValidationError({"cohort": "Choose a cohort of this LMNS."})
    if not for_all_providers and not providers and not cohorts:
        raise ValidationError(
            {"providers": "Select the providers the event is for, or choose every provider."}
        )


@transaction.atomic
def calendar_event_save(
    *,
    lmns: Lmns,
    by,
    for_all_providers: bool,
    providers: Iterable[Provider] = (),
    cohorts: Iterable[CalendarCohort] = (),
    event: CalendarEvent | None = None,
    **fields,
) -> CalendarEvent:
    """Add an event to the LMNS's calendar, or change one. An event for every provider keeps no
    chosen providers, so that adding a provider to the LMNS later includes it; an event for a
    cohort keeps the cohort, not its providers, for the same reason."""
    providers = [] if for_all_providers else list(providers)
    cohorts = [] if for_all_providers else list(cohorts)
    _check_audience(lmns=lmns, for_all_providers=for_all_providers, providers=providers, cohorts=cohorts)
    if event is None:
        event = CalendarEvent(lmns=lmns, created_by=by)
    else:
        event.sequence += 1
    for name in EVENT_FIELDS:
        if name in fields:
            setattr(event, name, fields[name])
    event.for_all_providers = for_all_providers
    event.full_clean()
    event.save()
    event.providers.set(providers)
    event.cohorts.set(cohorts)
    # Attendance is kept only for providers the event is still for.
    if not for_all_providers:
        event.attendance.exclude(provider__in=event_audience(event)).delete()
    return event


@transaction.atomic
def calendar_cohort_save(
    *, lmns: Lmns, name: str, providers: Iterable[Provider], cohort: CalendarCohort | None = None
) -> CalendarCohort:
    """Name a set of the LMNS's providers, or change one; its events reach its providers as
    they are when the calendar is read."""
    providers = list(providers)
    if not providers:
        raise ValidationError({"providers": "Select the providers in the cohort."})
    if any(provider.lmns_id != lmns.pk for provider in providers):
        raise ValidationError({"providers": "Choose providers of this LMNS."})
    if cohort is None:
        cohort = CalendarCohort(lmns=lmns)
    cohort.name = name
    cohort.full_clean()
    cohort.save()
    cohort.providers.set(providers)
    return cohort


@transaction.atomic
def event_material_add(*, event: CalendarEvent, by, title: str, file=None, url: str = "") -> EventMaterial:
    """A file checked by its content as evidence is (lmns.uploads), or a link."""
    if bool(file) == bool(url):
        raise ValidationError("Add either a file or a link.")
    material = EventMaterial(event=event, title=title, url=url, added_by=by)
    if file:
        try:
            kind = check_upload(file)
        except ValueError as error:
            raise ValidationError({"file": str(error)}) from error
        material.token = secrets.token_urlsafe(24)
        material.original_name = file.name[-255:]
        material.content_type = kind.content_type
        material.size = file.size
        material.file = file
    material.full_clean(exclude=["file"])
    material.save()
    return material


@transaction.atomic
def calendar_event_remove(*, event: CalendarEvent, by) -> None:
    """Take an event off the calendar, with its materials and attendance; calendar apps drop it
    at their next refresh. Its files leave storage once the removal is committed."""
    files = [material.file for material in event.materials.all() if material.file]
    event.delete()
    for file in files:
        transaction.on_commit(lambda file=file: file.storage.delete(file.name))


def event_audience(event: CalendarEvent):
    """The providers an event is for."""
    if event.for_all_providers:
        return Provider.objects.filter(lmns_id=event.lmns_id)
    return Provider.objects.filter(
        Q(pk__in=event.providers.values("pk")) | Q(calendar_cohorts__in=event.cohorts.values("pk"))
    ).distinct()


@transaction.atomic
def event_attendance_record(
    *, event: CalendarEvent, by, rows: dict[Provider, tuple[int | None, str]]
) -> CalendarEvent:
    """Record how many came from each provider and in which roles; a provider left blank has
    no attendance recorded."""
    if not event.has_started:
        raise ValidationError("Attendance can be recorded once the event has started.")
    audience = set(event_audience(event))
    if set(rows) - audience:
        raise ValidationError("Attendance can be recorded only for providers the event is for.")
    for provider, (people, roles) in rows.items():
        if people is None:
            EventAttendance.objects.filter(event=event, provider=provider).delete()
            continue
        EventAttendance.objects.update_or_create(
            event=event, provider=provider, defaults={"people": people, "roles": roles, "recorded_by": by}
        )
    return event


@transaction.atomic
def calendar_feed_reset(*, user) -> str:
    """Make the person a new secret feed address, retiring any old one; returns its token,
    which is never stored and so can be shown only now."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_hash": feed_token_hash(token), "created_at": timezone.now()}
    )
    return token


@transaction.atomic
def calendar_feed_remove(*, user) -> None:
    CalendarFeed.objects.filter(user=user).delete()
