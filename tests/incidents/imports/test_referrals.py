"""Referral columns in an import: one date and one reference per referral body in use, named
as the incident's columns were (``pmrt_referred_on``), so mappings saved before still work."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from incidents.imports import mapping as mappings
from incidents.imports import services
from incidents.models import Incident, IncidentReferral, ReferralBody
from tests.factories import make_incident
from tests.incidents.imports.helpers import HEADINGS, checked, csv_bytes, problems_of, row, upload

pytestmark = pytest.mark.django_db

REFERRAL_HEADINGS = ["PMRT date", "PMRT ref", "Coroner date"]
WEEK_AGO = date.today() - timedelta(days=7)


def _mapping(world, alice, **extra):
    columns = {**mappings.presets()["datix"]["columns"], **extra}
    return services.import_mapping_save(
        provider=world.a1,
        name="Ours",
        columns=columns,
        values=mappings.presets()["datix"]["values"],
        by=alice,
    )


@pytest.fixture
def ours(world, alice):
    return _mapping(
        world,
        alice,
        **{
            "PMRT date": "pmrt_referred_on",
            "PMRT ref": "pmrt_reference",
            "Coroner date": "coroner_referred_on",
        },
    )


def referral_row(reference, pmrt_on="", pmrt_ref="", coroner_on=""):
    return [*row(reference), pmrt_on, pmrt_ref, coroner_on]


def start(world, alice, rows):
    data = csv_bytes(rows, headings=[*HEADINGS, *REFERRAL_HEADINGS])
    return checked(
        services.incident_import_start(provider=world.a1, mapping_name="Ours", file=upload(data), by=alice)
    )


def apply(incident_import, alice):
    services.incident_import_apply_start(incident_import=incident_import, by=alice)
    incident_import.refresh_from_db()
    return incident_import


def held(reference):
    incident = Incident.objects.get(local_reference=reference)
    return {r.body.code: (r.referred_on, r.reference) for r in incident.referrals.select_related("body")}


def test_the_columns_become_referral_rows_with_the_importer_in_their_history(world, alice, ours):
    day = WEEK_AGO + timedelta(days=1)
    rows = [referral_row("W1", day.isoformat(), "P-1", day.isoformat()), referral_row("W2")]
    apply(start(world, alice, rows), alice)
    assert held("W1") == {"pmrt": (day, "P-1"), "coroner": (day, "")}
    assert held("W2") == {}
    history = IncidentReferral.history.filter(incident__local_reference="W1")
    assert {(h.history_type, h.history_user) for h in history} == {("+", alice)}
    assert {h.history_change_reason for h in history} == {"Imported from export.csv"}


def test_a_changed_referral_is_an_update_and_an_empty_date_removes_it(world, alice, ours):
    day = WEEK_AGO + timedelta(days=1)
    apply(start(world, alice, [referral_row("W1", day.isoformat(), "P-1", day.isoformat())]), alice)
    same = start(world, alice, [referral_row("W1", day.isoformat(), "P-1", day.isoformat())])
    assert (same.to_create, same.to_update) == (0, 0)
    changed = start(world, alice, [referral_row("W1", day.isoformat(), "P-2", "")])
    assert changed.to_update == 1
    assert changed.changes[0]["changes"] == ["PMRT referral", "Coroner referral"]
    apply(changed, alice)
    assert held("W1") == {"pmrt": (day, "P-2")}


def test_a_referral_the_file_does_not_map_is_left_alone(world, alice):
    incident = make_incident(world.a1, local_reference="W1", mbrrace_referred_on=date.today())
    _mapping(world, alice, **{"PMRT date": "pmrt_referred_on"})
    data = csv_bytes([[*row("W1"), WEEK_AGO.isoformat()]], headings=[*HEADINGS, "PMRT date"])
    imported = checked(
        services.incident_import_start(provider=world.a1, mapping_name="Ours", file=upload(data), by=alice)
    )
    assert problems_of(imported) == []
    apply(imported, alice)
    assert set(held("W1")) == {"pmrt", "mbrrace"}
    assert incident.referrals.get(body__code="mbrrace").referred_on == date.today()


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (("", "P-1", ""), "Enter the date of the PMRT referral, or remove its reference."),
        (
            ((date.today() + timedelta(days=1)).isoformat(), "", ""),
            "The PMRT referral date cannot be in the future.",
        ),
        (
            ((WEEK_AGO - timedelta(days=1)).isoformat(), "", ""),
            "The PMRT referral cannot be before the incident",
        ),
        (("not a date", "", ""), "is not a date"),
    ],
)
def test_a_bad_referral_is_a_problem_in_its_column_and_nothing_is_written(world, alice, ours, cells, message):
    incident_import = start(world, alice, [referral_row("W1", *cells)])
    [(number, column, text)] = problems_of(incident_import)
    assert (number, column) == (2, "PMRT date")
    assert message in text
    assert not Incident.objects.filter(local_reference="W1").exists()


def test_a_reference_is_guarded_like_other_text(world, alice, ours):
    incident_import = start(world, alice, [referral_row("W1", WEEK_AGO.isoformat(), "=HYPERLINK(1)")])
    assert [column for _, column, _ in problems_of(incident_import)] == ["PMRT ref"]


def test_a_retired_bodys_columns_are_passed_over_with_a_note(world, alice, ours):
    ReferralBody.objects.filter(code="coroner").update(is_active=False)
    day = WEEK_AGO.isoformat()
    incident_import = start(world, alice, [referral_row("W1", day, "", day)])
    assert problems_of(incident_import) == []
    assert any("Coroner date" in note and "no longer in use" in note for note in incident_import.notes)
    apply(incident_import, alice)
    assert set(held("W1")) == {"pmrt"}


def test_a_body_an_lmns_adds_gets_its_columns(world, alice):
    ReferralBody.objects.create(code="panel", label="Regional panel", lmns=world.a1.lmns, order=100)
    ReferralBody.objects.create(code="elsewhere", label="Another panel", lmns=world.b1.lmns)
    fields = mappings.import_fields(world.a1.lmns)
    assert fields["panel_referred_on"].label == "Referred to Regional panel on"
    assert fields["panel_reference"].label == "Regional panel reference"
    assert "elsewhere_referred_on" not in fields and "mnsi_referred_on" in fields
    # One pair per body, in the bodies' order, after the incident's own fields.
    body_fields = [name for name, field in fields.items() if field.body is not None]
    assert body_fields == [
        *("pmrt_referred_on", "pmrt_reference", "mbrrace_referred_on", "mbrrace_reference"),
        *("coroner_referred_on", "coroner_reference", "panel_referred_on", "panel_reference"),
    ]
    with pytest.raises(ValidationError):
        _mapping(world, alice, **{"Elsewhere": "elsewhere_referred_on"})


def test_every_ready_made_mapping_still_checks():
    for preset in mappings.presets().values():
        mappings.check_mapping(preset["columns"], preset.get("values") or {})
