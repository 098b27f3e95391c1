"""Writes to safety champion records: the rules each service keeps."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone

from lmns.access import SYSTEM
from quality.quality import Period
from tests.factories import make_unit
from tests.workforce.champions.factories import (
    make_champion_action,
    make_champions_meeting,
    make_mnvp_feedback,
    make_walkabout,
)
from workforce.champions import selectors, services
from workforce.champions.models import (
    ActionStatus,
    ChampionAction,
    ChampionsMeeting,
    FeedbackStatus,
    MnvpFeedback,
    Walkabout,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_40_DAYS = Period(TODAY - timedelta(days=40), TODAY + timedelta(days=1), "the last 40 days", "")


def _walkabout_fields(world, **overrides):
    return {
        "provider": world.a1,
        "unit": world.a1.units.first(),
        "held_on": TODAY,
        "board_champions": "NED",
        "frontline_champions": "",
        "staff_said": "Short of a second coordinator at night.",
        **overrides,
    }


def test_a_walkabout_is_recorded_at_one_of_the_providers_units(world, alice):
    walkabout = services.walkabout_record(**_walkabout_fields(world), by=alice)
    assert walkabout.provider == world.a1
    assert walkabout.recorded_by == alice


def test_a_walkabout_at_another_providers_unit_is_refused(world, alice):
    with pytest.raises(ValidationError, match="own units"):
        services.walkabout_record(**_walkabout_fields(world, unit=world.a2.units.first()), by=alice)


def test_a_walkabout_cannot_be_moved_to_another_providers_unit(world, alice):
    walkabout = make_walkabout(world.a1)
    fields = _walkabout_fields(world, unit=world.b1.units.first())
    del fields["provider"]
    with pytest.raises(ValidationError):
        services.walkabout_update(walkabout=walkabout, **fields, by=alice)
    walkabout.refresh_from_db()
    assert walkabout.unit.provider == world.a1


def test_a_walkabout_in_the_future_is_refused(world, alice):
    with pytest.raises(ValidationError, match="future"):
        services.walkabout_record(**_walkabout_fields(world, held_on=TODAY + timedelta(days=1)), by=alice)


def test_an_action_belongs_to_its_sources_provider_and_starts_open(world, alice):
    meeting = make_champions_meeting(world.a2)
    action = services.champion_action_add(
        source=meeting, you_said="x", we_did="y", owner="Head of midwifery", due_on=TODAY, by=alice
    )
    assert (action.provider, action.meeting, action.walkabout) == (world.a2, meeting, None)
    assert action.status == ActionStatus.OPEN


def test_an_action_due_before_it_arose_is_refused(world, alice):
    walkabout = make_walkabout(world.a1)
    with pytest.raises(ValidationError, match="on or after"):
        services.champion_action_add(
            source=walkabout,
            you_said="x",
            we_did="y",
            owner="o",
            due_on=walkabout.held_on - timedelta(days=1),
            by=alice,
        )


def test_marking_an_action_done_stamps_today_and_reopening_clears_it(world, alice):
    action = make_champion_action(make_walkabout(world.a1))
    fields = {"you_said": "a", "we_did": "b", "owner": "c", "due_on": action.due_on}
    services.champion_action_update(action=action, **fields, status=ActionStatus.DONE, by=alice)
    action.refresh_from_db()
    assert action.done_on == TODAY
    services.champion_action_update(action=action, **fields, status=ActionStatus.OPEN, by=alice)
    action.refresh_from_db()
    assert action.done_on is None


def test_an_action_comes_from_a_walkabout_or_a_meeting_never_both(world):
    walkabout = make_walkabout(world.a1)
    meeting = make_champions_meeting(world.a1)
    with pytest.raises(IntegrityError):
        ChampionAction.objects.create(
            provider=world.a1,
            walkabout=walkabout,
            meeting=meeting,
            you_said="a",
            we_did="b",
            owner="c",
            due_on=TODAY,
        )


def test_overdue_means_open_and_past_its_due_date(world):
    walkabout = make_walkabout(world.a1, held_on=TODAY - timedelta(days=60))
    late = make_champion_action(walkabout, due_on=TODAY - timedelta(days=1))
    make_champion_action(walkabout, due_on=TODAY)
    make_champion_action(walkabout, due_on=TODAY - timedelta(days=5), status=ActionStatus.DONE, done_on=TODAY)
    assert list(ChampionAction.objects.overdue()) == [late]
    assert late.is_overdue()


def test_feedback_marked_responded_needs_a_response(world, alice):
    fields = {
        "provider": world.a1,
        "period_start": TODAY - timedelta(days=30),
        "period_end": TODAY,
        "themes": "Partners asked to stay overnight.",
    }
    with pytest.raises(ValidationError, match="response"):
        services.mnvp_feedback_record(**fields, status=FeedbackStatus.RESPONDED, by=alice)
    feedback = services.mnvp_feedback_record(
        **fields, response="Reclining chairs ordered.", status=FeedbackStatus.RESPONDED, by=alice
    )
    assert feedback.status == FeedbackStatus.RESPONDED


def test_feedback_period_must_be_in_order(world, alice):
    with pytest.raises(ValidationError, match="end of the period"):
        services.mnvp_feedback_record(
            provider=world.a1, period_start=TODAY, period_end=TODAY - timedelta(days=1), themes="x", by=alice
        )


def test_the_quality_summary_counts_open_and_overdue_actions_and_names_the_latest(world):
    old = make_walkabout(world.a1, held_on=TODAY - timedelta(days=40))
    second_unit = make_unit(world.a1, "Birth centre", "AA1BC")
    latest = make_walkabout(world.a1, unit=second_unit, held_on=TODAY - timedelta(days=3))
    make_champion_action(old, due_on=TODAY - timedelta(days=2))
    make_champion_action(latest)
    make_champion_action(make_walkabout(world.a2))  # another provider's: not counted
    make_mnvp_feedback(
        world.a1, period_end=TODAY - timedelta(days=60), period_start=TODAY - timedelta(days=90)
    )
    newest = make_mnvp_feedback(world.a1)
    summary = selectors.provider_champions_summary(user=SYSTEM, provider=world.a1, period=LAST_40_DAYS)
    assert summary.last_walkabout == latest
    assert (summary.open_actions, summary.overdue_actions) == (2, 1)
    assert summary.latest_feedback == newest
    # The period's walkabouts, oldest first, each with its own actions counted.
    assert summary.walkabouts_held == [old, latest]
    assert [(w.open_count, w.overdue_count) for w in summary.walkabouts_held] == [(1, 1), (1, 0)]


def test_the_staff_voice_of_a_period_for_every_provider_in_two_queries(world, django_assert_max_num_queries):
    held = make_walkabout(world.a1, held_on=TODAY - timedelta(days=3))
    make_walkabout(world.a1, held_on=TODAY - timedelta(days=50))  # before the period: not listed
    make_champion_action(held, due_on=TODAY - timedelta(days=1))
    make_champion_action(make_champions_meeting(world.a1))
    make_champion_action(held, status=ActionStatus.DONE, done_on=TODAY)
    with django_assert_max_num_queries(2):
        voices = selectors.providers_staff_voice(
            user=SYSTEM, providers=[world.a1, world.b1], period=LAST_40_DAYS
        )
    assert voices[world.a1.pk] == selectors.StaffVoice([held], open_actions=2, overdue_actions=1)
    assert voices[world.b1.pk] == selectors.StaffVoice([], open_actions=0, overdue_actions=0)


def test_the_quality_summary_of_a_provider_with_nothing_recorded(world):
    summary = selectors.provider_champions_summary(user=SYSTEM, provider=world.b1, period=LAST_40_DAYS)
    assert (
        summary.last_walkabout,
        summary.walkabouts_held,
        summary.open_actions,
        summary.overdue_actions,
        summary.latest_feedback,
    ) == (
        None,
        [],
        0,
        0,
        None,
    )


def test_seed_demo_shows_walkabouts_an_overdue_action_a_meeting_and_mnvp_feedback_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert (Walkabout.objects.count(), ChampionsMeeting.objects.count(), MnvpFeedback.objects.count()) == (
        2,
        1,
        1,
    )
    assert ChampionAction.objects.overdue().count() == 1
    assert ChampionAction.objects.filter(status=ActionStatus.DONE).count() == 1
