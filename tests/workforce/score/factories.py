"""Plain factories for SCORE waves (beside tests/factories.py), and spreadsheets to upload."""

import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from workforce.score.models import ScoreAction, ScoreDebrief, ScoreResult, ScoreSetting, ScoreWave
from workforce.score.reference import domains
from workforce.score.sheets import default_results_columns


def make_wave(provider, **fields) -> ScoreWave:
    today = timezone.localdate()
    defaults = {
        "name": "Wave 1",
        "opens_on": today - timedelta(days=60),
        "closes_on": today - timedelta(days=30),
    }
    return ScoreWave.objects.create(provider=provider, **{**defaults, **fields})


def make_setting(wave, name="Labour ward", headcount=40, responses=None, percents=None) -> ScoreSetting:
    """A setting; ``percents`` (domain code → %) are stored as given, whatever the responses."""
    setting = ScoreSetting.objects.create(wave=wave, name=name, headcount=headcount, responses=responses)
    for code, value in (percents or {}).items():
        ScoreResult.objects.create(setting=setting, domain=code, percent_positive=Decimal(value))
    return setting


def make_debrief(wave, setting, **fields) -> ScoreDebrief:
    defaults = {"held_on": timezone.localdate() - timedelta(days=10), "facilitator": "Improvement manager"}
    return ScoreDebrief.objects.create(wave=wave, setting=setting, **{**defaults, **fields})


def make_action(debrief, owner, **fields) -> ScoreAction:
    defaults = {
        "description": "Protect breaks on every shift.",
        "due_on": timezone.localdate() + timedelta(days=20),
    }
    return ScoreAction.objects.create(debrief=debrief, owner=owner, **{**defaults, **fields})


def xlsx_upload(rows: list[list], name="upload.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def results_rows(rows: list[tuple[str, int, list]]) -> list[list]:
    """The platform's export with this product's default headings: (setting, responses, percents)."""
    return [
        list(default_results_columns()),
        *([name, responses, *percents] for name, responses, percents in rows),
    ]


def score_record(world, kind: str, provider):
    """The provider's SCORE record of ``kind`` for the access matrix, made on first use."""
    records = world.records[provider.pk]
    key = f"score_{kind}"
    if key not in records:
        if kind == "wave":
            records[key] = make_wave(provider)
        elif kind == "setting":
            records[key] = make_setting(score_record(world, "wave", provider), responses=20)
        elif kind == "debrief":
            records[key] = make_debrief(
                score_record(world, "wave", provider), score_record(world, "setting", provider)
            )
        else:
            owner = world.personas["provider:provider_lead"]
            records[key] = make_action(score_record(world, "debrief", provider), owner)
    return records[key]


FIRST_DOMAIN = domains().domains[0]
