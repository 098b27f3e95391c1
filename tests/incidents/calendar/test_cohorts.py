"""Cohorts: named sets of an LMNS's providers that an event can be for, read when the calendar is
read, kept by the calendar's keepers, and never telling a provider who else is in them."""

from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.calendar import selectors, services
from incidents.calendar.models import CalendarCohort, CalendarEvent, EventKind
from lmns.models import Role
from tests.factories import make_provider, make_user
from tests.incidents.calendar.factories import make_cohort, make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


@pytest.fixture
def a2_lead(world):
    return make_user("a2-lead", role=Role.PROVIDER_LEAD, provider=world.a2)


def test_an_event_for_a_cohort_reaches_its_providers_only(world, officer, alice, a2_lead):
    cohort = make_cohort(world.lmns_a, [world.a1])
    event = make_event(world.lmns_a, by=officer, cohorts=[cohort])
    b1_lead = make_user("b1-lead", role=Role.PROVIDER_LEAD, provider=world.b1)
    assert event in CalendarEvent.objects.visible_to(alice)
    assert event in CalendarEvent.objects.visible_to(officer)
    assert event not in CalendarEvent.objects.visible_to(a2_lead)
    assert event not in CalendarEvent.objects.visible_to(b1_lead)
    assert event not in CalendarEvent.objects.visible_to(world.personas["nobody"])


def test_a_provider_added_to_the_cohort_later_sees_its_events_and_one_taken_out_does_not(
    world, officer, alice, a2_lead
):
    cohort = make_cohort(world.lmns_a, [world.a1])
    event = make_event(world.lmns_a, by=officer, cohorts=[cohort])
    newcomer = make_provider(world.lmns_a, "Newcomer NHS Trust", "NEW")
    lead = make_user("newcomer-lead", role=Role.PROVIDER_LEAD, provider=newcomer)
    assert event not in CalendarEvent.objects.visible_to(lead)
    services.calendar_cohort_save(lmns=world.lmns_a, name=cohort.name, providers=[newcomer], cohort=cohort)
    assert event in CalendarEvent.objects.visible_to(lead)
    assert event not in CalendarEvent.objects.visible_to(alice)
    assert set(services.event_audience(event)) == {newcomer}


def test_a_cohort_must_be_of_the_events_lmns_and_hold_its_own_providers(world, officer):
    with pytest.raises(services.ValidationError):
        make_cohort(world.lmns_a, [world.b1])
    with pytest.raises(services.ValidationError):
        make_cohort(world.lmns_a, [])
    with pytest.raises(services.ValidationError):
        make_event(world.lmns_a, by=officer, cohorts=[make_cohort(world.lmns_b, [world.b1])])


def test_a_provider_is_never_told_who_else_is_in_the_cohort(client, world, officer, alice):
    cohort = make_cohort(world.lmns_a, [world.a1, world.a2], name="Wave 2 of the collaborative")
    event = make_event(world.lmns_a, by=officer, cohorts=[cohort])
    assert list(selectors.event_audience_visible(user=alice, event=event)) == [world.a1]
    client.force_login(alice)
    page = client.get(event.get_absolute_url()).content.decode()
    assert world.a1.name in page
    assert world.a2.name not in page
    assert "Wave 2 of the collaborative" not in page
    assert client.get(reverse("incidents:calendar-cohorts")).status_code == 403
    assert client.get(reverse("incidents:calendar-cohort-edit", kwargs={"pk": cohort.pk})).status_code == 404
    client.force_login(officer)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Wave 2 of the collaborative" in page and world.a2.name in page


def test_the_feed_follows_the_cohort(client, world, officer, alice, a2_lead):
    cohort = make_cohort(world.lmns_a, [world.a1])
    make_event(world.lmns_a, by=officer, cohorts=[cohort], title="Cohort learning set")
    for user, sees in ((alice, True), (a2_lead, False)):
        client.force_login(user)
        token = client.post(reverse("incidents:calendar-feed-settings"), {"step": "new"}).context["feed_url"]
        client.logout()
        response = client.get(token.split("testserver", 1)[-1])
        calendar = icalendar.Calendar.from_ical(response.content)
        titles = {str(component["SUMMARY"]) for component in calendar.walk("VEVENT")}
        assert ("Cohort learning set" in titles) is sees


def test_the_officer_makes_a_cohort_changes_it_and_sets_an_event_for_it(client, world, officer, alice):
    client.force_login(officer)
    response = client.post(
        reverse("incidents:calendar-cohort-create"),
        {"lmns": world.lmns_a.pk, "name": "Wave 2", "providers": [world.a1.pk]},
    )
    assert response.status_code == 302
    cohort = CalendarCohort.objects.get(name="Wave 2")
    assert "Wave 2" in client.get(reverse("incidents:calendar-cohorts")).content.decode()
    response = client.post(
        reverse("incidents:calendar-cohort-edit", kwargs={"pk": cohort.pk}),
        {"name": "Wave 2 of the collaborative", "providers": [world.a1.pk, world.a2.pk]},
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.name == "Wave 2 of the collaborative"
    assert set(cohort.providers.all()) == {world.a1, world.a2}
    day = timezone.localdate() + timedelta(days=10)
    fields = {
        "lmns": world.lmns_a.pk,
        "kind": EventKind.WEBINAR,
        "title": "Cohort webinar",
        "start_date": day.isoformat(),
        "start_time": "12:00",
        "end_time": "13:00",
        "joining_link": "https://example.org/join",
        "for_all_providers": "cohort",
    }
    refused = client.post(reverse("incidents:calendar-event-create"), fields)
    assert refused.status_code == 200
    assert "Select the cohort the event is for" in refused.content.decode()
    assert not CalendarEvent.objects.filter(title="Cohort webinar").exists()
    response = client.post(reverse("incidents:calendar-event-create"), {**fields, "cohort": cohort.pk})
    assert response.status_code == 302
    event = CalendarEvent.objects.get(title="Cohort webinar")
    assert list(event.cohorts.all()) == [cohort] and not event.providers.exists()
    assert not event.for_all_providers
    # The edit form reads the event back as for a cohort.
    form = client.get(reverse("incidents:calendar-event-edit", kwargs={"pk": event.pk})).context["form"]
    assert form.initial["for_all_providers"] == "cohort" and form.initial["cohort"] == cohort.pk
    assert event in CalendarEvent.objects.visible_to(alice)


def test_cohort_form_refusals_keep_what_was_typed(client, world, officer):
    client.force_login(officer)
    make_cohort(world.lmns_a, [world.a1], name="Wave 1")
    url = reverse("incidents:calendar-cohort-create")
    empty = client.post(url, {"lmns": world.lmns_a.pk, "name": "Wave 3"}).content.decode()
    assert "Select the providers in the cohort" in empty and 'value="Wave 3"' in empty
    other = client.post(url, {"lmns": world.lmns_a.pk, "name": "Wave 3", "providers": [world.b1.pk]})
    assert other.status_code == 200 and not CalendarCohort.objects.filter(name="Wave 3").exists()
    twice = client.post(url, {"lmns": world.lmns_a.pk, "name": "Wave 1", "providers": [world.a2.pk]})
    assert "already has a cohort of this name" in twice.content.decode()
    assert CalendarCohort.objects.filter(name="Wave 1").count() == 1


def test_the_cohort_list_takes_the_same_queries_however_many_cohorts_and_providers(client, world, officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("incidents:calendar-cohorts")).status_code == 200
        return len(captured)

    client.force_login(officer)
    for n in range(2):
        make_cohort(world.lmns_a, [world.a1, world.a2], name=f"Cohort {n}")
    few = queries()
    for n in range(2, 8):
        make_cohort(world.lmns_a, [world.a1, world.a2, make_provider(world.lmns_a)], name=f"Cohort {n}")
    make_cohort(world.lmns_b, [world.b1], name="Cohort of another LMNS")
    assert queries() == few
