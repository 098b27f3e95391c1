"""Every write to safety champion records and the MNVP's feedback.

Each takes the record's provider from the caller only when creating; a change never moves a
record to another provider. Refusals are ``ValidationError`` with words a person can act on.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lmns.models import Provider, Unit
from workforce.champions.models import (
    ActionStatus,
    ChampionAction,
    ChampionsMeeting,
    FeedbackStatus,
    MnvpFeedback,
    Walkabout,
)


def _not_in_future(value: date, what: str) -> None:
    if value > timezone.localdate():
        raise ValidationError(f"The date of the {what} cannot be in the future")


@transaction.atomic
def walkabout_record(
    *,
    provider: Provider,
    unit: Unit,
    held_on: date,
    board_champions: str,
    frontline_champions: str = "",
    staff_said: str,
    by,
) -> Walkabout:
    walkabout = Walkabout(provider=provider, recorded_by=by)
    return walkabout_update(
        walkabout=walkabout,
        unit=unit,
        held_on=held_on,
        board_champions=board_champions,
        frontline_champions=frontline_champions,
        staff_said=staff_said,
        by=by,
    )


@transaction.atomic
def walkabout_update(
    *,
    walkabout: Walkabout,
    unit: Unit,
    held_on: date,
    board_champions: str,
    frontline_champions: str = "",
    staff_said: str,
    by,
) -> Walkabout:
    if unit.provider_id != walkabout.provider_id:
        raise ValidationError("Select one of the provider's own units")
    _not_in_future(held_on, "walkabout")
    walkabout.unit = unit
    walkabout.held_on = held_on
    walkabout.board_champions = board_champions
    walkabout.frontline_champions = frontline_champions
    walkabout.staff_said = staff_said
    walkabout.save()
    return walkabout


@transaction.atomic
def champions_meeting_record(
    *, provider: Provider, held_on: date, attendees: str, key_points: str, by
) -> ChampionsMeeting:
    meeting = ChampionsMeeting(provider=provider, recorded_by=by)
    return champions_meeting_update(
        meeting=meeting, held_on=held_on, attendees=attendees, key_points=key_points, by=by
    )


@transaction.atomic
def champions_meeting_update(
    *, meeting: ChampionsMeeting, held_on: date, attendees: str, key_points: str, by
) -> ChampionsMeeting:
    _not_in_future(held_on, "meeting")
    meeting.held_on = held_on
    meeting.attendees = attendees
    meeting.key_points = key_points
    meeting.save()
    return meeting


@transaction.atomic
def champion_action_add(
    *,
    source: Walkabout | ChampionsMeeting,
    you_said: str,
    we_did: str,
    owner: str,
    due_on: date,
    by,
) -> ChampionAction:
    """A new open action, from a walkabout or a meeting; due on or after the day it arose."""
    if due_on < source.held_on:
        raise ValidationError("The due date must be on or after the day the action arose")
    kind = "walkabout" if isinstance(source, Walkabout) else "meeting"
    return ChampionAction.objects.create(
        provider_id=source.provider_id,
        **{kind: source},
        you_said=you_said,
        we_did=we_did,
        owner=owner,
        due_on=due_on,
    )


@transaction.atomic
def champion_action_update(
    *,
    action: ChampionAction,
    you_said: str,
    we_did: str,
    owner: str,
    due_on: date,
    status: str,
    by,
) -> ChampionAction:
    """Changes an action; marking it done stamps today, reopening it clears the date."""
    if due_on < action.source.held_on:
        raise ValidationError("The due date must be on or after the day the action arose")
    # Read from the date, not the status: a form may already have put the new status on the action.
    if status == ActionStatus.DONE and action.done_on is None:
        action.done_on = timezone.localdate()
    elif status == ActionStatus.OPEN:
        action.done_on = None
    action.you_said = you_said
    action.we_did = we_did
    action.owner = owner
    action.due_on = due_on
    action.status = status
    action.save()
    return action


def _check_feedback(*, period_start: date, period_end: date, response: str, status: str) -> None:
    if period_end < period_start:
        raise ValidationError("The end of the period must be on or after its start")
    if period_start > timezone.localdate():
        raise ValidationError("The period cannot start in the future")
    if status != FeedbackStatus.AWAITING and not response.strip():
        raise ValidationError("Enter the provider's response before marking the feedback responded or closed")


@transaction.atomic
def mnvp_feedback_record(
    *,
    provider: Provider,
    period_start: date,
    period_end: date,
    themes: str,
    response: str = "",
    status: str = FeedbackStatus.AWAITING,
    by,
) -> MnvpFeedback:
    feedback = MnvpFeedback(provider=provider, recorded_by=by)
    return mnvp_feedback_update(
        feedback=feedback,
        period_start=period_start,
        period_end=period_end,
        themes=themes,
        response=response,
        status=status,
        by=by,
    )


@transaction.atomic
def mnvp_feedback_update(
    *,
    feedback: MnvpFeedback,
    period_start: date,
    period_end: date,
    themes: str,
    response: str = "",
    status: str,
    by,
) -> MnvpFeedback:
    _check_feedback(period_start=period_start, period_end=period_end, response=response, status=status)
    feedback.period_start = period_start
    feedback.period_end = period_end
    feedback.themes = themes
    feedback.response = response
    feedback.status = status
    feedback.save()
    return feedback
