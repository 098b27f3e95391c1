"""SCORE wave services: the mapping and results spreadsheets (every row or none), small numbers,
who reads results, and debrief actions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lmns.models import Role
from tests.factories import make_user
from tests.workforce.score.factories import (
    make_debrief,
    make_setting,
    make_wave,
    results_rows,
    xlsx_upload,
)
from workforce.score import services
from workforce.score.models import ScoreResult, ScoreSetting
from workforce.score.reference import domains

pytestmark = pytest.mark.django_db

CODES = domains().codes
PERCENTS = [70, 65.5, 60, 55, 40, 35, 45]


def _map(wave, rows, by):
    return services.score_mapping_import(
        wave=wave, file=xlsx_upload([["Work setting", "Headcount"], *rows]), by=by
    )


def test_the_mapping_replaces_the_settings_every_row_or_none(world, alice):
    wave = make_wave(world.a1)
    assert _map(wave, [["Labour ward", 40], ["Neonatal unit", "25"]], alice) == 2
    assert sorted(wave.settings.values_list("name", "headcount")) == [
        ("Labour ward", 40),
        ("Neonatal unit", 25),
    ]

    with pytest.raises(services.SheetRefused) as refused:
        _map(wave, [["Theatres", 10], ["", 5], ["Theatres", 12], ["Postnatal", 0], ["Triage", "=1+1"]], alice)
    problems = {(p.row, p.message) for p in refused.value.outcome.problems}
    assert (3, "Enter the work setting's name.") in problems
    assert (4, "“Theatres” is already on row 2.") in problems
    assert (5, "Enter the headcount as a whole number from 1 to 5,000.") in problems
    assert any(row == 6 for row, _m in problems)
    # Nothing changed.
    assert sorted(wave.settings.values_list("name", flat=True)) == ["Labour ward", "Neonatal unit"]


def test_the_mapping_finds_its_headings_under_a_title_and_refuses_a_file_without_them(world, alice):
    wave = make_wave(world.a1)
    file = xlsx_upload([["SCORE mapping template"], [], ["Headcount", "Work setting"], [12, "Triage"]])
    assert services.score_mapping_import(wave=wave, file=file, by=alice) == 1
    with pytest.raises(services.SheetRefused) as refused:
        services.score_mapping_import(
            wave=wave, file=xlsx_upload([["Ward", "Staff"], ["Triage", 3]]), by=alice
        )
    assert "headings “Work setting”, “Headcount”" in refused.value.outcome.problems[0].message


def test_the_mapping_is_refused_once_responses_are_in(world, alice):
    wave = make_wave(world.a1)
    make_setting(wave, responses=10)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        _map(wave, [["Labour ward", 40]], alice)


def _import(wave, rows, by, columns=None):
    from workforce.score.sheets import default_results_columns

    return services.score_results_import(
        wave=wave, file=xlsx_upload(results_rows(rows)), columns=columns or default_results_columns(), by=by
    )


def test_results_are_imported_and_a_setting_under_five_responses_keeps_none(world, alice):
    wave = make_wave(world.a1)
    make_setting(wave, "Labour ward", 40)
    make_setting(wave, "Community team", 9)
    assert _import(wave, [("Labour ward", 21, PERCENTS), ("community TEAM", 4, [13.7] * 7)], alice) == 2
    labour, community = wave.settings.order_by("name").reverse()
    assert (labour.responses, community.responses) == (21, 4)
    assert dict(ScoreResult.objects.filter(setting=labour).values_list("domain", "percent_positive")) == {
        code: Decimal(str(value)).quantize(Decimal("0.1"))
        for code, value in zip(CODES, PERCENTS, strict=True)
    }
    assert not ScoreResult.objects.filter(setting=community).exists()
    assert wave.__class__.objects.get(pk=wave.pk).results_imported_at is not None


def test_results_with_a_problem_import_nothing(world, alice):
    wave = make_wave(world.a1)
    make_setting(wave, "Labour ward", 40)
    make_setting(wave, "Theatres", 10)
    with pytest.raises(services.SheetRefused) as refused:
        _import(
            wave,
            [
                ("Labour ward", 21, [70, 101, *PERCENTS[2:]]),
                ("Theatres", 11, PERCENTS),
                ("Postnatal", 5, PERCENTS),
            ],
            alice,
        )
    messages = [p.message for p in refused.value.outcome.problems]
    assert "Enter the % positive as a number from 0 to 100." in messages
    assert "Enter the responses as a whole number from 0 to the headcount, 10." in messages
    assert "“Postnatal” is not one of this wave's work settings." in messages
    assert not ScoreSetting.objects.filter(wave=wave, responses__isnull=False).exists()
    assert not ScoreResult.objects.exists()


def test_the_results_column_mapping_reads_the_platforms_own_headings(world, alice):
    wave = make_wave(world.a1)
    make_setting(wave, "Labour ward", 40)
    columns = {"Unit": "setting", "n": "responses", "SC %": CODES[0]}
    file = xlsx_upload([["Unit", "n", "SC %", "Ignored"], ["Labour ward", 30, 77, "x"]])
    services.score_results_import(wave=wave, file=file, columns=columns, by=alice)
    assert list(ScoreResult.objects.values_list("domain", "percent_positive")) == [
        (CODES[0], Decimal("77.0"))
    ]
    assert wave.__class__.objects.get(pk=wave.pk).results_columns == columns


def test_only_the_providers_own_teams_read_results_and_never_under_five(world, alice, bob):
    wave = make_wave(world.a1)
    make_setting(wave, "Labour ward", 40, responses=20, percents={CODES[0]: 70})
    # Stored directly, as no import would: the queryset is the second lock.
    make_setting(wave, "Community", 9, responses=4, percents={CODES[0]: 13})
    assert list(ScoreResult.objects.visible_to(alice).values_list("setting__name", flat=True)) == [
        "Labour ward"
    ]
    assert ScoreResult.objects.visible_to(bob).count() == 1
    for persona in ["lmns:lmns_officer", "lmns:lmns_safety_lead", "provider:board_viewer", "superuser"]:
        assert not ScoreResult.objects.visible_to(world.personas[persona]).exists(), persona
    charlie = make_user("charlie", role=Role.PROVIDER_LEAD, provider=world.a2)
    assert not ScoreResult.objects.visible_to(charlie).exists()


def test_an_action_owner_runs_the_providers_survey_and_is_due_after_the_debrief(world, alice):
    wave = make_wave(world.a1)
    debrief = make_debrief(wave, make_setting(wave, responses=20))
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="Select someone who runs the SCORE survey"):
        services.score_action_add(
            debrief=debrief,
            description="x",
            owner=world.personas["lmns:lmns_officer"],
            due_on=today,
            by=alice,
        )
    with pytest.raises(ValidationError, match="on or after the debrief"):
        services.score_action_add(
            debrief=debrief,
            description="x",
            owner=alice,
            due_on=debrief.held_on - timedelta(days=1),
            by=alice,
        )
    action = services.score_action_add(debrief=debrief, description="x", owner=alice, due_on=today, by=alice)
    services.score_action_update(
        action=action, description="x", owner=alice, due_on=today, status="done", by=alice
    )
    assert action.done_on == today
    services.score_action_update(
        action=action, description="x", owner=alice, due_on=today, status="open", by=alice
    )
    assert action.done_on is None


def test_a_wave_closes_on_or_after_it_opens_and_has_its_own_name(world, alice):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="close on or after"):
        services.score_wave_create(
            provider=world.a1, name="W", opens_on=today, closes_on=today - timedelta(days=1), by=alice
        )
    services.score_wave_create(provider=world.a1, name="Wave 2", opens_on=today, closes_on=today, by=alice)
    with pytest.raises(ValidationError, match="already has a wave"):
        services.score_wave_create(
            provider=world.a1, name="wave 2", opens_on=today, closes_on=today, by=alice
        )
