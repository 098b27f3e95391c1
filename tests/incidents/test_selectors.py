"""Selectors: the SSIG agenda, who may read it before and after the meeting, and theme analysis."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from incidents import selectors, services
from incidents.models import Learning, LearningStatus, Theme
from lmns.models import Role
from tests.factories import make_learning, make_meeting, make_user

pytestmark = pytest.mark.django_db


def days(n: int):
    """A date ``n`` days from today (negative for the past)."""
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def themes(db):
    """Two themes the World's records do not use, in name order."""
    return sorted(Theme.objects.order_by("-pk")[:2], key=lambda theme: theme.name)


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


@pytest.fixture
def agenda(world, themes, alice):
    """A meeting of LMNS A today with learning from A1 (two themes) and A2 (one theme)."""
    first, second = themes
    meeting = make_meeting(world.lmns_a, meeting_on=days(0), submission_deadline=days(0))
    a2_lead = make_user(role=Role.PROVIDER_LEAD, provider=world.a2)
    a1_learning = make_learning(world.a1, status=LearningStatus.SIGNED_OFF, themes=[first, second])
    a2_learning = make_learning(world.a2, status=LearningStatus.SIGNED_OFF, themes=[first])
    services.learning_submit(learning=a1_learning, meeting=meeting, by=alice)
    services.learning_submit(learning=a2_learning, meeting=meeting, by=a2_lead)
    # Learning at another meeting stays off this agenda.
    other = make_meeting(world.lmns_a, meeting_on=days(21))
    services.learning_submit(
        learning=make_learning(world.a1, status=LearningStatus.SIGNED_OFF, themes=[first]),
        meeting=other,
        by=alice,
    )
    return meeting, a1_learning, a2_learning


def _shape(groups):
    """{theme name: {provider ODS code: [learning titles]}}, with the groups' order kept."""
    return [
        (
            group.theme.name,
            {
                provider.ods_code: [item.title for item in items]
                for provider, items in group.by_provider.items()
            },
        )
        for group in groups
    ]


def _learning_on(submissions):
    return {submission.learning for submission in submissions}


# --- ssig_agenda ------------------------------------------------------------------------------


def test_agenda_groups_by_theme_then_provider(world, themes, officer, agenda):
    meeting, a1_learning, a2_learning = agenda
    first, second = themes
    groups = selectors.ssig_agenda(meeting=meeting, user=officer)
    assert _shape(groups) == [
        (first.name, {"AA1": [a1_learning.title], "AA2": [a2_learning.title]}),
        (second.name, {"AA1": [a1_learning.title]}),
    ]
    assert [group.count for group in groups] == [2, 1]


def test_agenda_lists_learning_with_two_themes_under_both(world, themes, officer, agenda):
    meeting, a1_learning, _ = agenda
    groups = selectors.ssig_agenda(meeting=meeting, user=officer)
    under = [group.theme for group in groups if a1_learning in group.by_provider.get(world.a1, [])]
    assert under == themes


def test_agenda_before_the_meeting_shows_a_provider_user_only_their_own(world, themes, alice, bob, agenda):
    meeting, a1_learning, _ = agenda
    for user in (alice, bob):
        assert _shape(selectors.ssig_agenda(meeting=meeting, user=user)) == [
            (themes[0].name, {"AA1": [a1_learning.title]}),
            (themes[1].name, {"AA1": [a1_learning.title]}),
        ]


def test_agenda_is_empty_for_a_meeting_without_submissions(world, officer):
    meeting = make_meeting(world.lmns_a, meeting_on=days(35))
    assert selectors.ssig_agenda(meeting=meeting, user=officer) == []


# --- ssig_agenda_submissions ------------------------------------------------------------------


def test_submissions_before_the_meeting_hide_other_providers_from_provider_users(world, alice, bob, agenda):
    meeting, a1_learning, _ = agenda
    assert _learning_on(selectors.ssig_agenda_submissions(meeting=meeting, user=alice)) == {a1_learning}
    assert _learning_on(selectors.ssig_agenda_submissions(meeting=meeting, user=bob)) == {a1_learning}


@pytest.mark.parametrize(
    "persona", [f"lmns:{Role.LMNS_OFFICER}", f"lmns:{Role.LMNS_SAFETY_LEAD}", "superuser"]
)
def test_submissions_before_the_meeting_are_all_shown_to_those_running_the_ssig(world, agenda, persona):
    meeting, a1_learning, a2_learning = agenda
    submissions = selectors.ssig_agenda_submissions(meeting=meeting, user=world.personas[persona])
    assert _learning_on(submissions) == {a1_learning, a2_learning}


def test_submissions_of_a_held_meeting_are_shown_to_provider_users(world, alice, agenda):
    meeting, a1_learning, a2_learning = agenda
    meeting = services.ssig_meeting_hold(meeting=meeting, by=alice)
    assert _learning_on(selectors.ssig_agenda_submissions(meeting=meeting, user=alice)) == {
        a1_learning,
        a2_learning,
    }
    assert len(selectors.ssig_agenda(meeting=meeting, user=alice)) == 2


def test_submissions_hide_everything_from_a_user_without_membership_before_the_meeting(world, agenda):
    meeting, _, _ = agenda
    assert not selectors.ssig_agenda_submissions(meeting=meeting, user=world.personas["nobody"]).exists()


@pytest.mark.parametrize("persona", ["nobody", "b1"])
def test_submissions_of_a_held_meeting_stay_within_the_lmns(world, alice, agenda, persona):
    meeting, _, _ = agenda
    meeting = services.ssig_meeting_hold(meeting=meeting, by=alice)
    user = (
        world.personas["nobody"]
        if persona == "nobody"
        else make_user(role=Role.PROVIDER_LEAD, provider=world.b1)
    )
    assert not selectors.ssig_agenda_submissions(meeting=meeting, user=user).exists()


def test_submissions_are_ordered_by_provider(world, officer, agenda):
    meeting, a1_learning, a2_learning = agenda
    submissions = selectors.ssig_agenda_submissions(meeting=meeting, user=officer)
    assert [submission.learning for submission in submissions] == [a1_learning, a2_learning]


# --- Meetings open for submission -------------------------------------------------------------


def test_next_ssig_meeting_is_the_earliest_not_yet_held(world, alice):
    held = make_meeting(world.lmns_a, meeting_on=days(1), submission_deadline=days(0))
    make_meeting(world.lmns_a, meeting_on=days(-7))  # past, never recorded as held
    soon = make_meeting(world.lmns_a, meeting_on=days(3), submission_deadline=days(2))
    make_meeting(world.lmns_b, meeting_on=days(2), submission_deadline=days(1))
    held.held_at = timezone.now()
    held.save()
    assert selectors.next_ssig_meeting(lmns_ids=[world.lmns_a.pk]) == soon
    assert selectors.next_ssig_meeting(lmns_ids=[world.lmns_a.pk], today=days(1)) == soon
    assert selectors.next_ssig_meeting(lmns_ids=[], today=days(1)) is None


def test_open_meetings_for_learning_are_its_lmnss_unheld_meetings(world):
    learning = make_learning(world.a1)
    mine = make_meeting(world.lmns_a, meeting_on=days(35))
    held = make_meeting(world.lmns_a, meeting_on=days(0), submission_deadline=days(0))
    held.held_at = timezone.now()
    held.save()
    theirs = make_meeting(world.lmns_b, meeting_on=days(35))
    meetings = list(selectors.open_meetings_for(learning))
    assert mine in meetings
    assert held not in meetings
    assert theirs not in meetings
    assert meetings == sorted(meetings, key=lambda meeting: meeting.meeting_on)


# --- theme_analysis ---------------------------------------------------------------------------


def _first_of_month(day):
    return day.replace(day=1)


@pytest.fixture
def analysed(world, themes):
    """Learning across A1, A2 and B1, this month and last; returns (this month, last month)."""
    first, second = themes
    this_month = _first_of_month(days(0))
    last_month = _first_of_month(this_month - timedelta(days=1))
    mid_last_month = timezone.make_aware(datetime.combine(last_month.replace(day=15), time(12)))
    long_ago = timezone.make_aware(datetime.combine(last_month - timedelta(days=60), time(12)))

    last = make_learning(world.a1, status=LearningStatus.SIGNED_OFF, themes=[first])
    too_old = make_learning(world.a1, status=LearningStatus.SHARED, themes=[first])
    Learning.objects.filter(pk=last.pk).update(created_at=mid_last_month)
    Learning.objects.filter(pk=too_old.pk).update(created_at=long_ago)
    make_learning(world.a1, status=LearningStatus.SHARED, themes=[first])
    make_learning(world.a1, status=LearningStatus.SUBMITTED, themes=[first])
    make_learning(world.a1, status=LearningStatus.SHARED, themes=[second])
    make_learning(world.a2, status=LearningStatus.SHARED, themes=[first])
    make_learning(world.a1, status=LearningStatus.DRAFT, themes=[first, second])
    make_learning(world.b1, status=LearningStatus.SHARED, themes=[first])
    return this_month, last_month


def test_theme_analysis_counts_by_provider_and_month(world, themes, officer, analysed):
    this_month, last_month = analysed
    first, second = themes
    analysis = selectors.theme_analysis(user=officer, start=last_month, end=days(0))
    assert analysis.months == [last_month, this_month]
    assert analysis.total(first, world.a1, last_month) == 1
    assert analysis.total(first, world.a1, this_month) == 2
    assert analysis.total(first, world.a2, this_month) == 1
    assert analysis.total(first, world.a1) == 3
    assert analysis.total(second, world.a1, this_month) == 1
    assert analysis.total(second, world.a2) == 0


def test_theme_analysis_totals_per_theme(world, themes, officer, analysed):
    _, last_month = analysed
    first, second = themes
    analysis = selectors.theme_analysis(user=officer, start=last_month, end=days(0))
    assert analysis.total(first) == 4
    assert analysis.total(second) == 1
    assert {first, second} <= set(analysis.themes)


def test_theme_analysis_counts_learning_with_two_themes_once_under_each(world, themes, officer):
    first, second = themes
    make_learning(world.a1, status=LearningStatus.SHARED, themes=[first, second])
    analysis = selectors.theme_analysis(user=officer, start=days(0), end=days(0))
    assert analysis.total(first, world.a1) == 1
    assert analysis.total(second, world.a1) == 1


def test_theme_analysis_leaves_out_drafts_and_other_lmnss(world, themes, officer, analysed):
    _, last_month = analysed
    analysis = selectors.theme_analysis(user=officer, start=last_month, end=days(0))
    assert world.b1 not in analysis.providers
    assert {world.a1, world.a2} <= set(analysis.providers)
    # The A1 draft (both themes) and B1's shared learning do not count.
    assert analysis.total(themes[0], world.b1) == 0
    assert analysis.total(themes[1]) == 1


def test_theme_analysis_for_a_superuser_covers_every_lmns(world, themes, analysed):
    _, last_month = analysed
    analysis = selectors.theme_analysis(user=world.personas["superuser"], start=last_month, end=days(0))
    assert world.b1 in analysis.providers
    assert analysis.total(themes[0], world.b1) == 1
    assert analysis.total(themes[0]) == 5


def test_theme_analysis_for_a_provider_user_covers_their_provider_only(world, themes, alice, analysed):
    _, last_month = analysed
    analysis = selectors.theme_analysis(user=alice, start=last_month, end=days(0))
    assert analysis.providers == [world.a1]
    assert analysis.total(themes[0], world.a2) == 0
    assert analysis.total(themes[0]) == 3


def test_theme_analysis_respects_the_date_range(world, themes, officer, analysed):
    this_month, _ = analysed
    analysis = selectors.theme_analysis(user=officer, start=this_month, end=days(0))
    assert analysis.months == [this_month]
    assert analysis.total(themes[0]) == 3


def test_theme_analysis_for_nobody_is_empty(world, analysed):
    _, last_month = analysed
    analysis = selectors.theme_analysis(user=world.personas["nobody"], start=last_month, end=days(0))
    assert analysis.providers == []
    assert analysis.themes == []
    assert not analysis.counts
