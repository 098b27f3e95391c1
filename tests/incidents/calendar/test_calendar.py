"""The calendar of activities: who sees which event, the deadlines beside them, the month and
list pages, materials, attendance, and the personal feed with its secret address."""

from datetime import date, timedelta

import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance.models import Deadline
from incidents.calendar import selectors, services
from incidents.calendar.models import CalendarEvent, EventAttendance, EventKind, EventMaterial
from incidents.improvement.models import ImprovementPlan
from lmns.models import Role
from lmns.months import add_months, first_of_month
from tests.factories import make_meeting, make_user
from tests.incidents.calendar.factories import at, make_cohort, make_event
from tests.incidents.highlights.factories import make_report
from tests.incidents.improvement.factories import make_plan
from tests.workforce.score.factories import make_wave
from workforce.models import return_due_on

pytestmark = pytest.mark.django_db

OFFICER = f"lmns:{Role.LMNS_OFFICER}"
LEAD = f"provider:{Role.PROVIDER_LEAD}"


def _month(day: date) -> str:
    return f"{day:%Y-%m}"


@pytest.fixture
def officer(world):
    return world.personas[OFFICER]


@pytest.fixture
def a2_lead(world):
    return make_user("a2-lead", role=Role.PROVIDER_LEAD, provider=world.a2)


def test_an_event_for_chosen_providers_reaches_them_and_the_lmns_only(world, officer, alice, a2_lead):
    event = make_event(world.lmns_a, by=officer, providers=[world.a1])
    b1_lead = make_user("b1-lead", role=Role.PROVIDER_LEAD, provider=world.b1)
    assert event in CalendarEvent.objects.visible_to(alice)
    assert event in CalendarEvent.objects.visible_to(officer)
    assert event in CalendarEvent.objects.visible_to(world.personas[f"lmns:{Role.BOARD_VIEWER}"])
    assert event not in CalendarEvent.objects.visible_to(a2_lead)
    assert event not in CalendarEvent.objects.visible_to(b1_lead)
    assert event not in CalendarEvent.objects.visible_to(world.personas["nobody"])


def test_an_event_for_every_provider_reaches_a_provider_joining_later(world, officer):
    event = make_event(world.lmns_a, by=officer)
    from tests.factories import make_provider

    newcomer = make_provider(world.lmns_a, "Newcomer NHS Trust", "NEW")
    lead = make_user("newcomer-lead", role=Role.PROVIDER_LEAD, provider=newcomer)
    assert list(CalendarEvent.objects.visible_to(lead)) == [event]
    assert not CalendarEvent.objects.visible_to(make_user("b1", role=Role.PROVIDER_LEAD, provider=world.b1))


def test_an_event_cannot_be_for_another_lmnss_provider(world, officer):
    with pytest.raises(services.ValidationError):
        make_event(world.lmns_a, by=officer, providers=[world.b1])


def test_the_calendar_shows_the_deadlines_the_product_knows_each_linking_to_its_page(world, alice):
    today = timezone.localdate()
    meeting = make_meeting(world.lmns_a, meeting_on=today + timedelta(days=40))
    Deadline.objects.create(
        framework=world.framework, name="Board declaration", due_on=today + timedelta(days=40)
    )
    entries = selectors.calendar_entries(user=alice, first=today, last=today + timedelta(days=60))
    titles = {entry.title: entry.url for entry in entries}
    assert (
        titles[f"SSIG submission deadline (meeting {meeting.meeting_on:%-d %B})"]
        == meeting.get_absolute_url()
    )
    assert titles[f"{world.framework.name}: Board declaration"] == world.framework.get_absolute_url()
    month = add_months(first_of_month(today), 0 if today < return_due_on(add_months(today, -1)) else 1)
    due_month = add_months(month, -1)
    if return_due_on(due_month) <= today + timedelta(days=60):
        assert titles[f"Workforce and perinatal return for {due_month:%B %Y} due ({world.a1.name})"] == (
            reverse("workforce:return-create") + f"?provider={world.a1.pk}&month={due_month:%Y-%m}"
        )


def test_someone_without_a_provider_sees_no_return_deadlines(world):
    today = timezone.localdate()
    entries = selectors.calendar_entries(
        user=world.personas["nobody"], first=today, last=today + timedelta(days=62)
    )
    assert entries == []


def test_the_month_grid_puts_a_three_day_event_on_each_day(world, officer):
    day = date(2026, 5, 9) if timezone.localdate() < date(2031, 1, 1) else timezone.localdate()
    make_event(
        world.lmns_a,
        by=officer,
        title="Learning set",
        starts_at=at(day, 9),
        ends_at=at(day + timedelta(2), 16),
    )
    weeks = selectors.month_weeks(user=officer, month=first_of_month(day))
    days_with = [d.day for week in weeks for d in week if any(e.title == "Learning set" for e in d.entries)]
    assert days_with == [day, day + timedelta(1), day + timedelta(2)]


@pytest.mark.parametrize("asked", ["1999-12", "9999-01", "2026-13", "junk", "2026-1-1", "-5-3"])
def test_a_month_out_of_range_is_refused_with_a_clear_message(client, world, alice, asked):
    client.force_login(alice)
    for name in ("incidents:calendar", "incidents:calendar-list"):
        response = client.get(reverse(name), {"month": asked})
        assert response.status_code == 400
        assert "Enter a month between January 2000 and" in response.content.decode()
        assert response.context["month"] == first_of_month(timezone.localdate())


def test_navigation_stops_at_the_bounds(client, world, alice):
    client.force_login(alice)
    first, last = selectors.month_bounds()
    assert client.get(reverse("incidents:calendar"), {"month": _month(first)}).context["previous"] is None
    assert client.get(reverse("incidents:calendar"), {"month": _month(last)}).context["following"] is None


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _deadlines_of_plan_and_wave(provider, name: str, *, by) -> None:
    """A plan whose report due this month is started, and a SCORE wave opening and closing this
    month: each kind of deadline the calendar reads, on the month asked for."""
    this_month = first_of_month(timezone.localdate())
    plan = make_plan(provider, title=f"Plan {name}")
    ImprovementPlan.objects.filter(pk=plan.pk).update(created_at=timezone.now() - timedelta(days=120))
    make_report(plan, by=by, month=add_months(this_month, -1))
    make_wave(provider, name=f"Wave {name}", opens_on=this_month, closes_on=this_month + timedelta(days=20))


@pytest.mark.parametrize("name", ["incidents:calendar", "incidents:calendar-list"])
def test_month_and_list_take_the_same_queries_however_many_events(
    client, world, officer, name, django_assert_max_num_queries
):
    today = timezone.localdate()
    url = f"{reverse(name)}?month={_month(today)}"
    client.force_login(officer)
    make_event(world.lmns_a, by=officer, day=first_of_month(today), providers=[world.a1])
    make_meeting(world.lmns_a, meeting_on=first_of_month(today) + timedelta(days=20))
    _deadlines_of_plan_and_wave(world.a1, "first", by=officer)
    few = _queries(client, url)
    for n in range(6):
        make_event(
            world.lmns_a,
            by=officer,
            day=first_of_month(today) + timedelta(days=n),
            providers=[world.a1, world.a2],
        )
        # An event for a cohort is read in the same query as the rest.
        make_event(
            world.lmns_a,
            by=officer,
            day=first_of_month(today) + timedelta(days=n),
            cohorts=[make_cohort(world.lmns_a, [world.a1, world.a2], name=f"Cohort {n}")],
        )
        _deadlines_of_plan_and_wave(world.a2 if n % 2 else world.a1, str(n), by=officer)
    assert _queries(client, url) == few
    with django_assert_max_num_queries(20):
        client.get(url)


def test_the_officer_adds_a_learning_set_for_two_providers(client, world, officer, alice, a2_lead):
    client.force_login(officer)
    day = timezone.localdate() + timedelta(days=10)
    response = client.post(
        reverse("incidents:calendar-event-create"),
        {
            "lmns": world.lmns_a.pk,
            "kind": EventKind.LEARNING_SET,
            "title": "Wave 3 learning set 1",
            "start_date": day.isoformat(),
            "start_time": "09:30",
            "end_date": (day + timedelta(days=2)).isoformat(),
            "end_time": "16:00",
            "place": "Engine Shed, Bristol",
            "for_all_providers": "no",
            "providers": [world.a1.pk, world.a2.pk],
        },
    )
    event = CalendarEvent.objects.get(title="Wave 3 learning set 1")
    assert response.status_code == 302
    assert set(event.providers.all()) == {world.a1, world.a2}
    assert timezone.localtime(event.starts_at).hour == 9
    for lead in (alice, a2_lead):
        client.force_login(lead)
        page = client.get(reverse("incidents:calendar-list"), {"month": _month(day)}).content.decode()
        assert "Wave 3 learning set 1" in page
        detail = client.get(event.get_absolute_url()).content.decode()
        other = world.a2 if lead == alice else world.a1
        # A provider is not told which other providers an event is for.
        assert other.name not in detail


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_time": "08:00"}, "end_time", "The end must be after the start"),
        ({"place": ""}, "place", "Enter where the event is held, or a link to join it"),
        ({"start_time": "25:00"}, "start_time", "Start time must be a time on the 24-hour clock"),
        ({"providers": []}, "providers", "Select the providers the event is for"),
        ({"joining_link": "javascript:alert(1)"}, "joining_link", "Enter a valid URL."),
        (
            {"start_date": "9999-01-01", "end_date": ""},
            "start_date",
            "Start date must be no more than 5 years",
        ),
    ],
)
def test_a_wrong_event_is_refused_with_what_was_typed_kept(client, world, officer, changes, field, message):
    client.force_login(officer)
    day = timezone.localdate() + timedelta(days=3)
    data = {
        "lmns": world.lmns_a.pk,
        "kind": EventKind.WEBINAR,
        "title": "Smoke-free pregnancy",
        "start_date": day.isoformat(),
        "start_time": "15:00",
        "end_time": "16:00",
        "place": "Online",
        "for_all_providers": "no",
        "providers": [world.a1.pk],
        **changes,
    }
    response = client.post(reverse("incidents:calendar-event-create"), data)
    assert response.status_code == 200
    assert any(error.startswith(message) for error in response.context["form"].errors[field])
    assert "Smoke-free pregnancy" in response.content.decode()
    assert not CalendarEvent.objects.filter(title="Smoke-free pregnancy").exists()


def test_another_lmnss_provider_is_not_a_choice(client, world, officer):
    client.force_login(officer)
    day = timezone.localdate() + timedelta(days=3)
    response = client.post(
        reverse("incidents:calendar-event-create"),
        {
            "lmns": world.lmns_b.pk,
            "kind": EventKind.CLINIC,
            "title": "LifeQI clinic",
            "start_date": day.isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
            "joining_link": "https://example.invalid/join",
            "for_all_providers": "no",
            "providers": [world.b1.pk],
        },
    )
    assert set(response.context["form"].errors) == {"lmns", "providers"}
    assert not CalendarEvent.objects.filter(title="LifeQI clinic").exists()


def test_materials_are_checked_by_content_and_served_to_the_audience_only(
    client, world, officer, alice, a2_lead
):
    event = make_event(world.lmns_a, by=officer, providers=[world.a1])
    client.force_login(officer)
    url = reverse("incidents:calendar-material-add", kwargs={"pk": event.pk})
    refused = client.post(
        url, {"title": "Slides", "file": SimpleUploadedFile("slides.pdf", b"MZ\x90\x00 not a pdf")}
    )
    assert "The file must be a PDF" in refused.content.decode()
    assert client.post(url, {"title": "Nothing"}).context["form"].errors["file"] == [
        "Choose a file or enter a link"
    ]
    client.post(url, {"title": "Slides", "file": SimpleUploadedFile("slides.pdf", b"%PDF-1.4 slides")})
    client.post(url, {"title": "Guide", "url": "https://example.invalid/guide"})
    assert list(event.materials.values_list("title", flat=True)) == ["Slides", "Guide"]
    download = reverse(
        "incidents:calendar-material-download",
        kwargs={"pk": event.pk, "material": EventMaterial.objects.get(title="Slides").pk},
    )
    client.force_login(alice)
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 slides"
    client.force_login(a2_lead)
    assert client.get(download).status_code == 404


def test_attendance_is_recorded_after_the_event_for_its_audience(client, world, officer, alice):
    past = timezone.localdate() - timedelta(days=2)
    event = make_event(world.lmns_a, by=officer, day=past, providers=[world.a1, world.a2])
    client.force_login(officer)
    url = reverse("incidents:calendar-attendance", kwargs={"pk": event.pk})
    response = client.post(
        url,
        {
            f"people_{world.a1.pk}": "3",
            f"roles_{world.a1.pk}": "Director of Midwifery",
            f"people_{world.a2.pk}": "",
        },
    )
    assert response.status_code == 302
    assert list(EventAttendance.objects.values_list("provider", "people")) == [(world.a1.pk, 3)]
    assert client.post(url, {f"people_{world.a1.pk}": "-1"}).status_code == 200
    future = make_event(world.lmns_a, by=officer, providers=[world.a1])
    with pytest.raises(services.ValidationError):
        services.event_attendance_record(event=future, by=officer, rows={world.a1: (2, "")})
    client.force_login(alice)
    detail = client.get(event.get_absolute_url()).content.decode()
    assert "Director of Midwifery" in detail
    assert world.a2.name not in detail


def _feed_token(client, user) -> str:
    client.force_login(user)
    response = client.post(reverse("incidents:calendar-feed-settings"), {"step": "new"})
    url = response.context["feed_url"]
    client.logout()
    return url.rsplit("/", 1)[-1].removesuffix(".ics")


def test_the_feed_parses_and_carries_only_what_its_owner_may_see(client, world, officer, alice):
    today = timezone.localdate()
    mine = make_event(
        world.lmns_a, by=officer, providers=[world.a1], title="Ours", description="Agenda only for the room"
    )
    make_event(world.lmns_a, by=officer, providers=[world.a2], title="Theirs")
    meeting = make_meeting(world.lmns_a, meeting_on=today + timedelta(days=20))
    token = _feed_token(client, alice)
    response = client.get(reverse("incidents:calendar-feed", kwargs={"token": token}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(component["SUMMARY"]): component for component in calendar.walk("VEVENT")}
    assert "Theirs" not in events
    ours = events["Ours"]
    assert ours.decoded("DTSTART") == timezone.localtime(mine.starts_at)
    assert str(ours["LOCATION"]) == "Engine Shed, Bristol"
    assert "Agenda only for the room" not in response.content.decode()
    deadline = events[f"SSIG submission deadline (meeting {meeting.meeting_on:%-d %B})"]
    assert deadline.decoded("DTSTART") == meeting.submission_deadline
    assert calendar.walk("VTIMEZONE")


def test_a_wrong_or_retired_feed_address_is_not_found(client, world, alice):
    old = _feed_token(client, alice)
    assert client.get(reverse("incidents:calendar-feed", kwargs={"token": "x" + old})).status_code == 404
    new = _feed_token(client, alice)
    assert client.get(reverse("incidents:calendar-feed", kwargs={"token": old})).status_code == 404
    assert client.get(reverse("incidents:calendar-feed", kwargs={"token": new})).status_code == 200
    client.force_login(alice)
    client.post(reverse("incidents:calendar-feed-settings"), {"step": "remove"})
    client.logout()
    assert client.get(reverse("incidents:calendar-feed", kwargs={"token": new})).status_code == 404


def test_a_deactivated_persons_feed_is_not_found(client, world, alice):
    token = _feed_token(client, alice)
    alice.is_active = False
    alice.save()
    assert client.get(reverse("incidents:calendar-feed", kwargs={"token": token})).status_code == 404


def test_only_a_hash_of_the_feed_address_is_kept(client, world, alice):
    token = _feed_token(client, alice)
    assert token not in alice.calendar_feed.token_hash
    assert len(token) >= 40


def test_removing_an_event_takes_its_files_out_of_storage(
    client, world, officer, alice, django_capture_on_commit_callbacks
):
    event = make_event(world.lmns_a, by=officer, providers=[world.a1])
    material = services.event_material_add(
        event=event, by=officer, title="Slides", file=SimpleUploadedFile("slides.pdf", b"%PDF-1.4 slides")
    )
    storage, name = material.file.storage, material.file.name
    url = reverse("incidents:calendar-event-remove", kwargs={"pk": event.pk})
    client.force_login(alice)
    assert client.post(url).status_code == 403
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert not CalendarEvent.objects.filter(pk=event.pk).exists()
    assert not storage.exists(name)
    assert client.get(event.get_absolute_url()).status_code == 404


def _event_with(world, officer, size: int) -> CalendarEvent:
    """A past event for ``size`` providers in ``size`` cohorts, with ``size`` materials of each
    kind and attendance from each provider."""
    from tests.factories import make_provider

    providers = [world.a1, *(make_provider(world.lmns_a) for _ in range(size - 1))]
    cohorts = [
        make_cohort(world.lmns_a, [provider], name=f"Cohort {size}.{provider.pk}") for provider in providers
    ]
    event = make_event(
        world.lmns_a,
        by=officer,
        day=timezone.localdate() - timedelta(days=2),
        providers=providers,
        cohorts=cohorts,
    )
    for n in range(size):
        services.event_material_add(
            event=event,
            by=officer,
            title=f"Slides {n}",
            file=SimpleUploadedFile(f"slides-{n}.pdf", b"%PDF-1.4 slides"),
        )
        services.event_material_add(
            event=event, by=officer, title=f"Guide {n}", url="https://example.invalid/"
        )
    services.event_attendance_record(
        event=event, by=officer, rows={provider: (2, "Director of Midwifery") for provider in providers}
    )
    return event


@pytest.mark.parametrize("persona", [OFFICER, LEAD])
def test_an_events_page_takes_the_same_queries_however_many_materials_and_attendance_rows(
    client, world, officer, persona
):
    client.force_login(world.personas[persona])
    few = _queries(client, _event_with(world, officer, 2).get_absolute_url())
    many = _queries(client, _event_with(world, officer, 8).get_absolute_url())
    assert many == few


def test_the_feed_takes_the_same_queries_however_many_events_and_deadlines(client, world, officer, alice):
    today = timezone.localdate()
    token = _feed_token(client, alice)
    url = reverse("incidents:calendar-feed", kwargs={"token": token})
    make_event(world.lmns_a, by=officer, providers=[world.a1])
    make_event(world.lmns_a, by=officer, cohorts=[make_cohort(world.lmns_a, [world.a1], name="First")])
    make_meeting(world.lmns_a, meeting_on=today + timedelta(days=20))
    _deadlines_of_plan_and_wave(world.a1, "first", by=officer)
    few = _queries(client, url)
    for n in range(6):
        make_event(
            world.lmns_a, by=officer, day=today + timedelta(days=n + 1), providers=[world.a1, world.a2]
        )
        make_event(
            world.lmns_a,
            by=officer,
            day=today + timedelta(days=n + 1),
            cohorts=[make_cohort(world.lmns_a, [world.a1, world.a2], name=f"Cohort {n}")],
        )
        make_meeting(world.lmns_a, meeting_on=today + timedelta(days=32 + 7 * n))
        _deadlines_of_plan_and_wave(world.a1, str(n), by=officer)
    assert _queries(client, url) == few
