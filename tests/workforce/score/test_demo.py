"""The demonstration SCORE wave: mapped and imported through the real spreadsheets, once."""

import pytest

from lmns.demo import demo_seed
from workforce.score import demo
from workforce.score.models import ScoreAction, ScoreDebrief, ScoreResult, ScoreWave
from workforce.score.reference import domains

pytestmark = pytest.mark.django_db


def test_the_demo_wave_has_results_a_withheld_setting_debriefs_and_actions_once():
    assert all(len(percents) == len(domains().domains) for *_s, percents in demo.SETTINGS)
    lmns = demo_seed().lmns
    demo.demo_seed(lmns=lmns)
    demo.demo_seed(lmns=lmns)
    wave = ScoreWave.objects.get()
    assert wave.settings.count() == len(demo.SETTINGS)
    small = wave.settings.get(responses__lt=5)
    assert not ScoreResult.objects.filter(setting=small).exists()
    assert ScoreResult.objects.count() == (len(demo.SETTINGS) - 1) * len(domains().domains)
    assert ScoreDebrief.objects.count() == 3
    assert ScoreAction.objects.overdue().count() == 1
    assert ScoreAction.objects.filter(status="done").count() == 1
