"""Checking and applying imports through the services the pages, the command and the task use."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from incidents.imports import services
from incidents.imports.models import ImportStatus
from incidents.models import Incident, IncidentStatus, IncidentType
from tests.factories import make_incident
from tests.incidents.imports.helpers import checked, csv_bytes, problems_of, row, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def start(world, alice, data, name="export.csv", mapping="datix"):
    return checked(
        services.incident_import_start(
            provider=world.a1, mapping_name=mapping, file=upload(data, name), by=alice
        )
    )


def apply(incident_import, alice):
    services.incident_import_apply_start(incident_import=incident_import, by=alice)
    incident_import.refresh_from_db()
    return incident_import


def test_a_clean_file_is_previewed_then_applied_with_who_and_which_import(world, alice):
    incident_import = start(world, alice, csv_bytes([row("W1"), row("W2")]))
    assert (incident_import.to_create, incident_import.to_update, incident_import.problem_count) == (2, 0, 0)
    assert not Incident.objects.filter(local_reference__in=["W1", "W2"]).exists()
    assert apply(incident_import, alice).status == ImportStatus.APPLIED
    created = Incident.objects.get(provider=world.a1, local_reference="W1")
    assert created.created_by == alice and created.source_import == incident_import
    assert created.incident_type.name == "Shoulder dystocia"
    assert (created.physical_harm, created.psychological_harm) == ("low", "none")
    assert not incident_import.file


def test_the_audit_trail_names_the_importer_and_the_file(world, alice):
    apply(start(world, alice, csv_bytes([row("W1")]), "datix-march.csv"), alice)
    again = start(world, alice, csv_bytes([row("W1", Result="Severe harm")]), "datix-april.csv")
    apply(again, alice)
    history = Incident.objects.get(local_reference="W1").history.order_by("history_id")
    assert [(h.history_type, h.history_user, h.history_change_reason) for h in history] == [
        ("+", alice, "Imported from datix-march.csv"),
        ("~", alice, "Imported from datix-april.csv"),
    ]


def test_with_the_broker_down_a_large_file_says_it_was_not_checked(
    world, alice, broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "INLINE_MAX_BYTES", 10)
    with django_capture_on_commit_callbacks(execute=True):
        incident_import = services.incident_import_start(
            provider=world.a1, mapping_name="datix", file=upload(csv_bytes([row("W1")])), by=alice
        )
    incident_import.refresh_from_db()
    assert incident_import.status == ImportStatus.FAILED
    assert "could not be reached, so the file was not checked" in incident_import.error


def test_with_the_broker_down_an_apply_goes_back_to_checked_and_says_so(
    world, alice, monkeypatch, request, django_capture_on_commit_callbacks
):
    incident_import = start(world, alice, csv_bytes([row("W1")]))
    monkeypatch.setattr(services, "INLINE_MAX_BYTES", 10)
    request.getfixturevalue("broker_down")
    with django_capture_on_commit_callbacks(execute=True):
        applied = apply(incident_import, alice)
    applied.refresh_from_db()
    assert applied.status == ImportStatus.CHECKED and applied.can_apply
    assert "nothing was applied" in applied.error
    assert not Incident.objects.filter(local_reference="W1").exists()


def test_reimporting_the_same_file_changes_nothing(world, alice):
    data = xlsx_bytes([row("W1"), row("W2")])
    apply(start(world, alice, data, "export.xlsx"), alice)
    again = start(world, alice, data, "export.xlsx")
    assert (again.to_create, again.to_update, again.unchanged) == (0, 0, 2)
    assert not again.can_apply


def test_a_changed_row_updates_only_that_incident(world, alice):
    apply(start(world, alice, csv_bytes([row("W1"), row("W2")])), alice)
    again = start(world, alice, csv_bytes([row("W1", Result="Severe harm"), row("w2")]))
    assert (again.to_create, again.to_update, again.unchanged) == (0, 1, 1)
    assert again.changes == [
        {
            "row": 2,
            "reference": "W1",
            "action": "update",
            "changes": ["Physical harm"],
            "incident_type": "Shoulder dystocia",
            "physical_harm": "Severe physical harm",
            "psychological_harm": "No psychological harm",
            "unit": "",
        }
    ]
    apply(again, alice)
    assert Incident.objects.get(local_reference="W1").physical_harm == "severe"
    assert Incident.objects.get(local_reference="W1").source_import == again


def test_apply_checks_again_and_writes_nothing_if_the_data_changed(world, alice):
    incident_import = start(world, alice, csv_bytes([row("W1"), row("W2")]))
    IncidentType.objects.filter(name="Shoulder dystocia").update(is_active=False)
    apply(incident_import, alice)
    assert incident_import.status == ImportStatus.CHECKED
    assert incident_import.problem_count == 2
    assert not Incident.objects.filter(local_reference__in=["W1", "W2"]).exists()


def test_a_closed_incident_is_not_changed_by_an_import(world, alice):
    make_incident(world.a1, local_reference="W1", status=IncidentStatus.CLOSED)
    incident_import = start(world, alice, csv_bytes([row("W1")]))
    assert problems_of(incident_import)[0][2].startswith("Incident W1 is closed")


def test_one_bad_row_means_nothing_is_applied(world, alice):
    incident_import = start(world, alice, csv_bytes([row("W1"), row("W2", Type="Nonsense")]))
    assert incident_import.problem_count == 1
    with pytest.raises(ValidationError):
        services.incident_import_apply_start(incident_import=incident_import, by=alice)
    assert not Incident.objects.filter(local_reference="W1").exists()


def test_the_form_rules_apply_to_every_row(world, alice):
    later = (date.today() - timedelta(days=1)).strftime("%d/%m/%Y")
    incident_import = start(
        world,
        alice,
        csv_bytes([row("W1", **{"Reported date": "01/01/2020"}), row("W" * 60, **{"Incident date": later})]),
    )
    messages = {(r, c): m for r, c, m in problems_of(incident_import)}
    assert messages[(2, "Reported date")] == "The date reported cannot be before the date occurred."
    assert "at most 50 characters" in messages[(3, "Ref")]
