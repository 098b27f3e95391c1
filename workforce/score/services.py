"""Every write to a SCORE wave: the wave and its window, its work settings from the mapping
spreadsheet, its responses and results from the platform's export, its debriefs and their actions.

The callers check that ``by`` may run the provider's SCORE survey (``models.ACTION``). Refusals
are ``ValidationError``; a spreadsheet's refusal is ``SheetRefused``, carrying every problem by
row, and nothing is changed.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lmns.access import ACTION_ROLES, roles_at
from lmns.imports.outcome import Outcome
from lmns.models import Provider
from workforce.score import sheets
from workforce.score.models import (
    ACTION,
    ScoreAction,
    ScoreActionStatus,
    ScoreDebrief,
    ScoreResult,
    ScoreSetting,
    ScoreWave,
)


class SheetRefused(ValidationError):
    """A spreadsheet with problems: none of its rows was kept."""

    def __init__(self, outcome: Outcome):
        self.outcome = outcome
        count = outcome.problem_count
        super().__init__(
            f"The file has {count} problem{'s' if count != 1 else ''}, so nothing was imported. "
            "Correct them and upload it again."
        )


def _check_window(*, opens_on: date, closes_on: date) -> None:
    if closes_on < opens_on:
        raise ValidationError("The survey must close on or after the day it opens")


@transaction.atomic
def score_wave_create(*, provider: Provider, name: str, opens_on: date, closes_on: date, by) -> ScoreWave:
    wave = ScoreWave(provider=provider, created_by=by)
    return score_wave_update(wave=wave, name=name, opens_on=opens_on, closes_on=closes_on, by=by)


@transaction.atomic
def score_wave_update(*, wave: ScoreWave, name: str, opens_on: date, closes_on: date, by) -> ScoreWave:
    _check_window(opens_on=opens_on, closes_on=closes_on)
    clash = ScoreWave.objects.filter(provider_id=wave.provider_id, name__iexact=name.strip())
    if clash.exclude(pk=wave.pk).exists():
        raise ValidationError(f"{wave.provider.name} already has a wave called “{name.strip()}”")
    wave.name = name.strip()
    wave.opens_on = opens_on
    wave.closes_on = closes_on
    wave.save()
    return wave


@transaction.atomic
def score_mapping_import(*, wave: ScoreWave, file, by) -> int:
    """Replace the wave's work settings with the mapping spreadsheet's, every row or none.

    Refused once the wave has responses or debriefs: a setting renamed or dropped then would
    take its results and what its team agreed with it."""
    wave = ScoreWave.objects.select_for_update().get(pk=wave.pk)
    if wave.settings.filter(responses__isnull=False).exists() or wave.debriefs.exists():
        raise ValidationError(
            "The wave's responses have been imported, so its work settings can no longer be changed"
        )
    rows, outcome = sheets.read_mapping(file)
    if outcome.problem_count:
        raise SheetRefused(outcome)
    wave.settings.all().delete()
    ScoreSetting.objects.bulk_create(
        ScoreSetting(wave=wave, name=row.name, headcount=row.headcount) for row in rows
    )
    return len(rows)


@transaction.atomic
def score_results_import(*, wave: ScoreWave, file, columns: dict[str, str], by) -> int:
    """Take each setting's responses and % positive by domain from the results platform's export,
    through ``columns`` (their heading → our field), every row or none. A setting's results are
    replaced; a setting with fewer than MIN_RESPONSES responses keeps its count and no results."""
    wave = ScoreWave.objects.select_for_update().get(pk=wave.pk)
    settings = {setting.name.casefold(): setting for setting in wave.settings.all()}
    if not settings:
        raise ValidationError("Map the wave's work settings before importing its results")
    rows, outcome = sheets.read_results(
        file,
        columns=columns,
        headcounts={key: (setting.name, setting.headcount) for key, setting in settings.items()},
    )
    if outcome.problem_count:
        raise SheetRefused(outcome)
    touched = []
    results = []
    for row in rows:
        setting = settings[row.setting.casefold()]
        setting.responses = row.responses
        touched.append(setting)
        results.extend(
            ScoreResult(setting=setting, domain=code, percent_positive=percent)
            for code, percent in row.percents.items()
        )
    ScoreSetting.objects.bulk_update(touched, ["responses"])
    ScoreResult.objects.filter(setting__in=touched).delete()
    ScoreResult.objects.bulk_create(results)
    wave.results_columns = columns
    wave.results_imported_at = timezone.now()
    wave.save(update_fields=["results_columns", "results_imported_at"])
    return len(touched)


@transaction.atomic
def score_debrief_record(
    *, wave: ScoreWave, setting: ScoreSetting, held_on: date, facilitator: str, notes: str = "", by
) -> ScoreDebrief:
    if setting.wave_id != wave.pk:
        raise ValidationError("Select one of the wave's own work settings")
    if held_on < wave.opens_on:
        raise ValidationError("A debrief cannot come before the survey opens")
    return ScoreDebrief.objects.create(
        wave=wave, setting=setting, held_on=held_on, facilitator=facilitator, notes=notes, created_by=by
    )


def _check_owner(*, owner, debrief: ScoreDebrief) -> None:
    # The owner is told by email, so must be someone who may open the wave's actions.
    if not (owner.is_active and roles_at(owner, debrief.wave.provider) & ACTION_ROLES[ACTION]):
        raise ValidationError(f"Select someone who runs the SCORE survey at {debrief.wave.provider.name}")


@transaction.atomic
def score_action_add(*, debrief: ScoreDebrief, description: str, owner, due_on: date, by) -> ScoreAction:
    if due_on < debrief.held_on:
        raise ValidationError("The due date must be on or after the debrief")
    _check_owner(owner=owner, debrief=debrief)
    return ScoreAction.objects.create(debrief=debrief, description=description, owner=owner, due_on=due_on)


@transaction.atomic
def score_action_update(
    *, action: ScoreAction, description: str, owner, due_on: date, status: str, by
) -> ScoreAction:
    """Marking an action done stamps today; reopening it clears the date."""
    if due_on < action.debrief.held_on:
        raise ValidationError("The due date must be on or after the debrief")
    _check_owner(owner=owner, debrief=action.debrief)
    if status == ScoreActionStatus.DONE and action.done_on is None:
        action.done_on = timezone.localdate()
    elif status == ScoreActionStatus.OPEN:
        action.done_on = None
    action.description = description
    action.owner = owner
    action.due_on = due_on
    action.status = status
    action.save()
    return action
