"""The weekly reminder to provider leads that the latest due workforce return is late."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache

from lmns.models import Role
from tests.factories import make_lmns, make_provider, make_user, make_workforce_return
from workforce import tasks
from workforce.reminders import late_return_reminders_send

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)  # a Monday: October's return was due on 15 November
OCTOBER = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.SITE_URL = "https://safety.example.nhs.uk/"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def trusts():
    lmns = make_lmns()
    late = make_provider(lmns, "Otter Bay NHS Trust", "OB1")
    on_time = make_provider(lmns, "Heron NHS Trust", "HE1")
    make_workforce_return(on_time, month=OCTOBER)
    return {
        "lead": make_user("late-lead", role=Role.PROVIDER_LEAD, provider=late),
        "other_lead": make_user("on-time-lead", role=Role.PROVIDER_LEAD, provider=on_time),
        "contributor": make_user("contributor", role=Role.PROVIDER_CONTRIBUTOR, provider=late),
        "late": late,
    }


def test_the_leads_of_a_provider_whose_return_is_late_are_told_once_a_week(
    trusts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert late_return_reminders_send(today=TODAY) == 1
        assert late_return_reminders_send(today=TODAY + timedelta(days=2)) == 0  # same week
    assert [message.to for message in mail.outbox] == [[trusts["lead"].email]]
    message = mail.outbox[0]
    assert message.subject == "Workforce return for October 2026 is late: Otter Bay NHS Trust"
    assert "was due on 15 November 2026 and has not been submitted: it is 8 days late" in message.body
    assert "https://safety.example.nhs.uk/workforce/returns/new/" in message.body


def test_nobody_is_reminded_before_the_due_date_or_once_the_return_is_in(trusts):
    # On 14 November October's return is not yet due; September's is the latest due, and
    # neither provider has one in this test, so both leads hear about September instead.
    assert late_return_reminders_send(today=date(2026, 11, 14)) == 2
    cache.clear()
    make_workforce_return(trusts["late"], month=OCTOBER)
    assert late_return_reminders_send(today=TODAY) == 0


def test_beat_runs_the_task_weekly():
    entry = settings.CELERY_BEAT_SCHEDULE["late-workforce-return-reminders"]
    assert entry["task"] == "workforce.tasks.send_late_return_reminders"
    assert tasks.send_late_return_reminders.name == entry["task"]
