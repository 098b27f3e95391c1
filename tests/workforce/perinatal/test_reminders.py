"""The daily reminder to provider leads that a critical safety check is overdue."""

from datetime import date

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache

from lmns.models import Role
from tests.factories import make_lmns, make_provider, make_unit, make_user
from tests.workforce.perinatal.factories import birth_site, make_birth_site
from workforce import tasks
from workforce.perinatal import services
from workforce.perinatal.models import OutcomeSignal
from workforce.perinatal.reminders import overdue_check_reminders_send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.SITE_URL = "https://safety.example.nhs.uk/"
    cache.clear()
    yield
    cache.clear()


def test_the_leads_of_a_provider_with_an_overdue_check_are_told_once_a_day(
    django_capture_on_commit_callbacks,
):
    lmns = make_lmns()
    provider = make_provider(lmns, "Otter Bay NHS Trust", "OB1")
    lead = make_user("otter-lead", role=Role.PROVIDER_LEAD, provider=provider)
    make_user("otter-contributor", role=Role.PROVIDER_CONTRIBUTOR, provider=provider)
    # Raised Wednesday 23 December 2026: due Thursday 7 January 2027.
    signal = services.national_signal_record(
        provider=provider,
        unit=birth_site(provider),
        by=None,
        measure="term_stillbirths",
        level="red",
        month=date(2026, 11, 1),
        raised_on=date(2026, 12, 23),
    )
    assert overdue_check_reminders_send(today=date(2027, 1, 7)) == 0  # due today, not overdue
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue_check_reminders_send(today=date(2027, 1, 8)) == 1
        assert overdue_check_reminders_send(today=date(2027, 1, 8)) == 0  # once a day
    assert [message.to for message in mail.outbox] == [[lead.email]]
    assert "was due on 7 January 2027" in mail.outbox[0].body and "1 day overdue" in mail.outbox[0].body
    assert f"https://safety.example.nhs.uk/workforce/perinatal/signals/{signal.pk}/" in mail.outbox[0].body
    # Completed (set directly: the service refuses a date after today, and these are in 2027).
    OutcomeSignal.objects.filter(pk=signal.pk).update(check_completed_on=date(2027, 1, 8))
    assert overdue_check_reminders_send(today=date(2027, 1, 11)) == 0


def test_beat_runs_the_task_every_working_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["overdue-safety-check-reminders"]
    assert tasks.send_overdue_check_reminders.name == entry["task"]


def test_the_reminder_names_the_site_the_signal_is_for(django_capture_on_commit_callbacks):
    provider = make_provider(make_lmns(), "Otter Bay NHS Trust", "OB1")
    make_user("otter-lead", role=Role.PROVIDER_LEAD, provider=provider)
    make_unit(provider, "Otter Bay Maternity Unit")  # the obstetric unit, listed first
    centre = make_birth_site(provider, "Otter Bay Birth Centre")
    services.national_signal_record(
        provider=provider,
        unit=centre,
        by=None,
        measure="term_neonatal_deaths",
        level="amber",
        month=date(2026, 11, 1),
        raised_on=date(2026, 12, 23),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue_check_reminders_send(today=date(2027, 1, 11)) == 1
    (message,) = mail.outbox
    assert message.subject == "Critical safety check overdue: Otter Bay Birth Centre, Otter Bay NHS Trust"
    body = " ".join(message.body.split())
    assert (
        "The critical safety check of Otter Bay NHS Trust for its signal at Otter Bay Birth Centre was due "
        "on 7 January 2027"
    ) in body
    assert "Signal: National MOSS signal (received by the trust)" in body
    assert "About: Term neonatal deaths (to 28 days), figures for November 2026" in body
    assert "Maternity Unit" not in message.body
