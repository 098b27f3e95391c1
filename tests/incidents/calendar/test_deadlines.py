"""Highlight reports due and SCORE survey windows on the calendar: each person sees those of the
plans and waves whose pages they may open, on the month, the list and the personal feed."""

import re
from datetime import date, timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.calendar import selectors
from incidents.calendar.feed import feed_calendar
from incidents.highlights.models import DEFAULT_DUE_DAY, HighlightSchedule, ReportStatus, report_due_on
from incidents.improvement.models import ImprovementPlan
from lmns.models import Role
from lmns.months import add_months, first_of_month
from tests.factories import make_user
from tests.incidents.highlights.factories import make_report
from tests.incidents.improvement.factories import make_plan
from tests.workforce.score.factories import FIRST_DOMAIN, make_setting, make_wave

pytestmark = pytest.mark.django_db

HIGHLIGHT = "Highlight report due"
SCORE = "SCORE survey"


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


@pytest.fixture
def b1_lead(world):
    return make_user("b1-lead", role=Role.PROVIDER_LEAD, provider=world.b1)


def _started_months_ago(plan, days=120) -> ImprovementPlan:
    ImprovementPlan.objects.filter(pk=plan.pk).update(created_at=timezone.now() - timedelta(days=days))
    plan.refresh_from_db()
    return plan


def _last_month() -> tuple[date, date]:
    this_month = first_of_month(timezone.localdate())
    return add_months(this_month, -1), this_month - timedelta(days=1)


def _entries(user, kind: str, first: date, last: date) -> list[selectors.Entry]:
    return [e for e in selectors.calendar_entries(user=user, first=first, last=last) if e.kind == kind]


def test_each_plan_a_person_may_read_has_its_report_due_on_the_lmnss_day(world, alice, officer, b1_lead):
    plans = {
        provider: _started_months_ago(make_plan(provider, title=f"Plan of {provider.ods_code}"))
        for provider in world.providers
    }
    # An LMNS-wide plan is the LMNS's own: it writes no highlight report to itself.
    _started_months_ago(make_plan(lmns=world.lmns_a, title="LMNS-wide plan"))
    first, last = _last_month()
    month = add_months(first, -1)
    (entry,) = _entries(alice, HIGHLIGHT, first, last)
    plan = plans[world.a1]
    assert entry.title == f"Highlight report for {month:%B %Y} due: Plan of AA1 ({world.a1.name})"
    assert entry.starts_on == report_due_on(month, DEFAULT_DUE_DAY)
    assert entry.url == reverse("incidents:improvement-highlight-plan", kwargs={"pk": plan.pk})
    assert entry.is_deadline
    assert {e.url for e in _entries(officer, HIGHLIGHT, first, last)} == {
        reverse("incidents:improvement-highlight-plan", kwargs={"pk": plans[p].pk})
        for p in (world.a1, world.a2)
    }
    assert [e.title for e in _entries(b1_lead, HIGHLIGHT, first, last)] == [
        f"Highlight report for {month:%B %Y} due: Plan of BB1 ({world.b1.name})"
    ]
    assert _entries(world.personas["nobody"], HIGHLIGHT, first, last) == []

    HighlightSchedule.objects.create(lmns=world.lmns_a, due_day=20)
    (entry,) = _entries(alice, HIGHLIGHT, first, last)
    assert entry.starts_on == first.replace(day=20)
    assert _entries(b1_lead, HIGHLIGHT, first, last)[0].starts_on == first.replace(day=DEFAULT_DUE_DAY)


def test_a_report_past_due_is_late_until_submitted_and_links_to_the_report_once_started(world, alice):
    plan = _started_months_ago(make_plan(world.a1))
    first, last = _last_month()
    month = add_months(first, -1)
    (entry,) = _entries(alice, HIGHLIGHT, first, last)
    assert entry.late
    report = make_report(plan, by=alice, month=month)
    (entry,) = _entries(alice, HIGHLIGHT, first, last)
    assert (entry.url, entry.late) == (report.get_absolute_url(), True)
    report.status = ReportStatus.SUBMITTED
    report.save()
    assert not _entries(alice, HIGHLIGHT, first, last)[0].late


def test_a_plan_owes_no_report_before_it_started_and_one_to_come_is_not_late(world, alice):
    plan = make_plan(world.a1)
    first, last = _last_month()
    assert _entries(alice, HIGHLIGHT, first, last) == []
    this_month = first_of_month(timezone.localdate())
    following = add_months(this_month, 1)
    (entry,) = _entries(alice, HIGHLIGHT, following, add_months(following, 1) - timedelta(days=1))
    assert entry.title.startswith(f"Highlight report for {this_month:%B %Y} due: {plan.title}")
    assert not entry.late


def test_the_list_marks_a_late_report(client, world, alice):
    _started_months_ago(make_plan(world.a1, title="Fresh eyes"))
    first, _last = _last_month()
    client.force_login(alice)
    page = client.get(reverse("incidents:calendar-list"), {"month": f"{first:%Y-%m}"}).content.decode()
    # The design system's tag macro writes its text on a line of its own.
    assert re.search(
        r"Fresh eyes \(Aardvark Hospitals NHS Trust\)</a> "
        r'<strong class="nhsuk-tag nhsuk-tag--red">\s*Late\s*</strong>',
        page,
    )


def test_score_windows_reach_only_those_who_may_open_the_wave(client, world, alice, officer, b1_lead):
    today = timezone.localdate()
    window = {"opens_on": today + timedelta(days=5), "closes_on": today + timedelta(days=30)}
    waves = {
        provider: make_wave(provider, name=f"Wave of {provider.ods_code}", **window)
        for provider in world.providers
    }
    make_setting(waves[world.a1], responses=20, percents={FIRST_DOMAIN.code: "61.5"})
    first, last = today, today + timedelta(days=60)
    entries = _entries(alice, SCORE, first, last)
    assert [(e.title, e.starts_on, e.url) for e in entries] == [
        (
            f"SCORE Wave of AA1 survey opens ({world.a1.name})",
            window["opens_on"],
            waves[world.a1].get_absolute_url(),
        ),
        (
            f"SCORE Wave of AA1 survey closes ({world.a1.name})",
            window["closes_on"],
            waves[world.a1].get_absolute_url(),
        ),
    ]
    assert {e.url for e in _entries(officer, SCORE, first, last)} == {
        waves[world.a1].get_absolute_url(),
        waves[world.a2].get_absolute_url(),
    }
    assert {e.url for e in _entries(b1_lead, SCORE, first, last)} == {waves[world.b1].get_absolute_url()}
    assert _entries(world.personas["nobody"], SCORE, first, last) == []
    # The calendar's door is the wave page's own.
    for user in (alice, officer, b1_lead):
        client.force_login(user)
        for entry in _entries(user, SCORE, first, last):
            assert client.get(entry.url).status_code == 200
    client.force_login(alice)
    assert client.get(waves[world.a2].get_absolute_url()).status_code == 404
    # A window opening in one range and closing in the next is on each once, never the results.
    assert [e.title for e in _entries(alice, SCORE, first, today + timedelta(days=10))] == [
        f"SCORE Wave of AA1 survey opens ({world.a1.name})"
    ]
    page = client.get(reverse("incidents:calendar-list"), {"month": f"{window['opens_on']:%Y-%m}"})
    assert "SCORE Wave of AA1 survey opens" in page.content.decode()
    assert "61.5" not in page.content.decode()


def test_the_feed_carries_reports_due_and_score_windows_of_its_owner_only(world, alice):
    today = timezone.localdate()
    _started_months_ago(make_plan(world.a1, title="Ours"))
    _started_months_ago(make_plan(world.a2, title="Theirs"))
    make_wave(
        world.a1, name="Our wave", opens_on=today + timedelta(days=5), closes_on=today + timedelta(days=30)
    )
    make_wave(
        world.a2, name="Their wave", opens_on=today + timedelta(days=5), closes_on=today + timedelta(days=30)
    )
    calendar = icalendar.Calendar.from_ical(feed_calendar(user=alice, today=today))
    events = {str(component["SUMMARY"]): component for component in calendar.walk("VEVENT")}
    month = add_months(first_of_month(today), -2)
    late = events[f"Highlight report for {month:%B %Y} due: Ours ({world.a1.name}) (late)"]
    assert late.decoded("DTSTART") == report_due_on(month, DEFAULT_DUE_DAY)
    assert late.decoded("DTEND") == report_due_on(month, DEFAULT_DUE_DAY) + timedelta(days=1)
    opens = events[f"SCORE Our wave survey opens ({world.a1.name})"]
    assert opens.decoded("DTSTART") == today + timedelta(days=5)
    assert f"SCORE Our wave survey closes ({world.a1.name})" in events
    assert not [summary for summary in events if "Theirs" in summary or "Their wave" in summary]
