"""The weekly Saving Babies' Lives reminders: a quarter due or overdue from the provider's leads,
and quarters awaiting validation to the LMNS staff who validate them."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.cache import cache

from assurance import tasks
from assurance.sbl import reminders, services
from assurance.sbl.models import quarter_due_on, quarter_label
from lmns.models import Role
from tests.assurance.sbl.records import answer_all, make_sbl_assessment
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SITE = "https://safety.example.nhs.uk"


@pytest.fixture(autouse=True)
def _site_and_cache(settings):
    settings.SITE_URL = SITE + "/"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def call(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return call


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


# The quarter that ended last, and the days around its due date; computed from the real date,
# since a quarter cannot be started before it begins.
LAST_QUARTER = reminders.quarter_to_report(date.today())
DUE = quarter_due_on(LAST_QUARTER)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2026, 4, 1), date(2026, 7, 31)),
        (date(2026, 10, 1), date(2027, 1, 31)),
        (date(2027, 1, 1), date(2027, 4, 30)),
    ],
)
def test_a_quarter_is_due_by_the_end_of_the_month_after_it(start, due):
    assert quarter_due_on(start) == due
    assert reminders.quarter_to_report(due) == start


def test_the_quarter_to_report_is_the_last_one_ended():
    assert reminders.quarter_to_report(date(2027, 2, 14)) == date(2026, 10, 1)
    assert reminders.quarter_to_report(date(2026, 4, 1)) == date(2026, 1, 1)


def _to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def test_leads_are_reminded_two_weeks_before_the_due_date_then_weekly_while_overdue(run, world, alice, bob):
    make_sbl_assessment(
        world.a2, by=make_user(provider=world.a2, role=Role.PROVIDER_LEAD)
    )  # the LMNS uses SBL
    assert run(reminders.due_reminders_send, today=DUE - timedelta(days=15)) == 0

    run(reminders.due_reminders_send, today=DUE - timedelta(days=14))
    (message,) = _to(alice)
    label = quarter_label(LAST_QUARTER)
    assert message.subject == f"Saving Babies' Lives self-assessment due: {world.a1.name}, {label}"
    assert f"is due by {DUE:%-d %B %Y}" in message.body and "It has not been started." in message.body
    assert f"{SITE}/assurance/sbl/new/?provider={world.a1.ods_code}" in message.body
    assert not _to(bob)  # a contributor cannot submit

    # Once a week: the same day again sends nothing, a later week sends again.
    run(reminders.due_reminders_send, today=DUE - timedelta(days=14))
    assert len(_to(alice)) == 1
    run(reminders.due_reminders_send, today=DUE + timedelta(days=3))
    assert len(_to(alice)) == 2
    assert "3 days overdue" in _to(alice)[-1].subject


def test_an_assessment_in_progress_is_linked_and_a_submitted_one_is_not_reminded(run, world, alice, officer):
    assessment = make_sbl_assessment(world.a1, by=alice, quarter_start=LAST_QUARTER)
    run(reminders.due_reminders_send, today=DUE)
    (message,) = _to(alice)
    assert "It is in progress." in message.body
    assert f"{SITE}{assessment.get_absolute_url()}" in message.body
    # No answer, note or percentage goes by email.
    assert "%" not in message.body and "implemented" not in message.body

    answer_all(assessment, by=alice)
    services.sbl_assessment_submit(assessment=assessment, by=alice)
    mail.outbox.clear()
    cache.clear()
    assert run(reminders.due_reminders_send, today=DUE) == 0


def test_an_lmns_that_does_not_use_sbl_here_is_not_reminded(run, world, alice):
    assert run(reminders.due_reminders_send, today=DUE) == 0


def test_lmns_staff_who_validate_get_the_quarters_awaiting_them_weekly(run, world, alice, officer):
    assessment = make_sbl_assessment(world.a1, by=alice, quarter_start=LAST_QUARTER)
    answer_all(assessment, by=alice)
    assert run(reminders.awaiting_validation_reminders_send) == 0
    services.sbl_assessment_submit(assessment=assessment, by=alice)

    run(reminders.awaiting_validation_reminders_send)
    safety_lead = world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"]
    other_lmns = make_user(lmns=world.lmns_b, role=Role.LMNS_OFFICER)
    (message,) = _to(officer)
    assert len(_to(safety_lead)) == 1 and not _to(other_lmns) and not _to(alice)
    assert message.subject == "1 Saving Babies' Lives quarter awaiting LMNS validation"
    assert f"{world.a1.name}, {assessment.quarter_label}: submitted on" in message.body
    assert f"{SITE}{assessment.get_absolute_url()}" in message.body
    assert "%" not in message.body

    run(reminders.awaiting_validation_reminders_send)
    assert len(_to(officer)) == 1


def test_the_tasks_call_the_reminders_and_beat_runs_them(settings, monkeypatch):
    monkeypatch.setattr(reminders, "due_reminders_send", lambda: 3)
    monkeypatch.setattr(reminders, "awaiting_validation_reminders_send", lambda: 4)
    assert tasks.send_sbl_due_reminders() == 3
    assert tasks.send_sbl_awaiting_validation_reminders() == 4
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "assurance.tasks.send_sbl_due_reminders",
        "assurance.tasks.send_sbl_awaiting_validation_reminders",
    } <= scheduled
