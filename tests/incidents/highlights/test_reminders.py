"""The weekly reminder to a provider's leads that a plan's highlight report is late."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache

from incidents import tasks
from incidents.highlights import services
from incidents.highlights.reminders import late_highlight_reminders_send
from tests.incidents.highlights.factories import make_report

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)  # a Monday: May's report was due on 10 June


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.SITE_URL = "https://safety.example.nhs.uk/"
    cache.clear()
    yield
    cache.clear()


def test_the_leads_are_told_once_a_week_with_a_link_and_no_text(
    plan, lead, contributor, officer, django_capture_on_commit_callbacks
):
    make_report(plan, by=contributor, month=date(2026, 5, 1), progress="Secret progress words")
    with django_capture_on_commit_callbacks(execute=True):
        assert late_highlight_reminders_send(today=TODAY) == 1
        assert late_highlight_reminders_send(today=TODAY + timedelta(days=2)) == 0  # same week
    assert [message.to for message in mail.outbox] == [[lead.email]]
    message = mail.outbox[0]
    assert message.subject == "A highlight report for May 2026 is late: Otter Bay NHS Trust"
    assert "It was due on 10 June 2026." in message.body
    assert f"https://safety.example.nhs.uk/incidents/improvement/{plan.pk}/highlights/" in message.body
    # Neither the report's text nor the plan's title: mailboxes are forwarded and shared.
    assert "Secret progress words" not in message.body and plan.title not in message.body


def test_nobody_is_reminded_once_the_report_is_submitted(plan, lead):
    services.highlight_report_submit(report=make_report(plan, by=lead, month=date(2026, 5, 1)), by=lead)
    assert late_highlight_reminders_send(today=TODAY) == 0


def test_beat_runs_the_task_weekly():
    entry = settings.CELERY_BEAT_SCHEDULE["late-highlight-report-reminders"]
    assert entry["task"] == "incidents.tasks.send_late_highlight_reminders"
    assert tasks.send_late_highlight_reminders.name == entry["task"]
