"""The weekly reminder to owners of SCORE debrief actions due within a week or overdue: a link
and a date, nothing of the action; only to owners who still run the provider's survey."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from lmns.models import Membership
from tests.workforce.score.factories import make_action, make_debrief, make_setting, make_wave
from workforce import tasks
from workforce.score.reminders import score_action_reminders_send

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.SITE_URL = "https://safety.example.nhs.uk/"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def debrief(world):
    wave = make_wave(world.a1)
    return make_debrief(wave, make_setting(wave, responses=20))


def test_owners_of_actions_due_soon_or_overdue_are_told_once_a_week_with_a_link_only(
    world, alice, bob, debrief, django_capture_on_commit_callbacks
):
    make_action(
        debrief, alice, description="Protect breaks on the labour ward.", due_on=TODAY - timedelta(days=3)
    )
    make_action(debrief, bob, description="Quiet handover room.", due_on=TODAY + timedelta(days=7))
    make_action(debrief, bob, description="Later.", due_on=TODAY + timedelta(days=8))
    make_action(
        debrief, alice, description="Done.", due_on=TODAY - timedelta(days=9), status="done", done_on=TODAY
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert score_action_reminders_send(today=TODAY) == 2
        assert score_action_reminders_send(today=TODAY) == 0  # the same week
    assert sorted(message.to[0] for message in mail.outbox) == sorted([alice.email, bob.email])
    overdue = next(m for m in mail.outbox if m.to == [alice.email])
    assert overdue.subject == f"SCORE debrief action overdue: {world.a1.name}"
    assert f"https://safety.example.nhs.uk/workforce/score/waves/{debrief.wave_id}/" in overdue.body
    for message in mail.outbox:
        for secret in ["Protect breaks", "Quiet handover", "Labour ward"]:
            assert secret not in message.body + message.subject


def test_an_owner_who_no_longer_runs_the_survey_is_not_told(
    world, alice, debrief, django_capture_on_commit_callbacks
):
    make_action(debrief, alice, due_on=TODAY)
    Membership.objects.filter(user=alice).delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert score_action_reminders_send(today=TODAY) == 0
    assert not mail.outbox


def test_the_task_sends_them_and_beat_runs_it_weekly(
    world, alice, debrief, django_capture_on_commit_callbacks
):
    make_action(debrief, alice, due_on=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_score_action_reminders() == 1
    entry = django_settings.CELERY_BEAT_SCHEDULE["score-action-reminders"]
    assert entry["task"] == "workforce.tasks.send_score_action_reminders"
