"""An import is guarded as the incident form is: an NHS number makes its row an error, other
personal details are row warnings the importer must confirm before applying (hazard H9), and
dates outside the plausible range are errors naming the row and column."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from incidents.imports import services
from incidents.imports.models import ImportStatus, IncidentImport
from incidents.models import Incident
from lmns.pid import CHECKED_LABEL
from tests.incidents.imports.helpers import checked, csv_bytes, problems_of, row, upload

pytestmark = pytest.mark.django_db


def start(world, alice, rows):
    return checked(
        services.incident_import_start(
            provider=world.a1, mapping_name="datix", file=upload(csv_bytes(rows)), by=alice
        )
    )


def test_an_nhs_number_makes_its_row_an_error_naming_the_row_and_column(world, alice):
    incident_import = start(
        world, alice, [row("W1"), row("W2", Description="Baby 943-476-5919 transferred to NICU.")]
    )
    assert problems_of(incident_import) == [
        (
            3,
            "Description",
            "This has what looks like an NHS number (“943-476-5919”). Remove it: nothing that could "
            "identify a patient may be imported.",
        )
    ]
    assert not incident_import.can_apply


def test_other_personal_details_are_row_warnings_to_confirm_before_applying(world, alice):
    incident_import = start(
        world,
        alice,
        [row("W1", Description="Family at LS1 4AP asked for a call back."), row("W2", Ref="DATIX-12345")],
    )
    assert incident_import.problem_count == 0
    assert incident_import.warning_count == 1
    assert incident_import.warnings == [
        {
            "row": 2,
            "column": "Description",
            "message": "This has what looks like a postcode (“LS1 4AP”). Check it identifies nobody.",
        }
    ]
    with pytest.raises(ValidationError, match="tick"):
        services.incident_import_apply_start(incident_import=incident_import, by=alice)
    incident_import.refresh_from_db()
    assert incident_import.status == ImportStatus.CHECKED
    assert not Incident.objects.filter(local_reference="W1").exists()
    services.incident_import_apply_start(incident_import=incident_import, by=alice, pid_checked=True)
    incident_import.refresh_from_db()
    assert incident_import.status == ImportStatus.APPLIED


def test_the_import_page_lists_the_warnings_and_applies_only_once_confirmed(client, world, alice):
    client.force_login(alice)
    incident_import = start(world, alice, [row("W1", Description="Mother's mobile 07700 900123 noted.")])
    page = client.get(incident_import.get_absolute_url()).content.decode()
    assert "07700 900123" in page and CHECKED_LABEL in page and 'name="pid_checked"' in page
    apply = reverse("incidents:import-apply", kwargs={"pk": incident_import.pk})
    refused = client.post(apply, follow=True)
    assert "Check the cells listed as looking like personal data" in refused.content.decode()
    assert IncidentImport.objects.get().status == ImportStatus.CHECKED
    client.post(apply, {"pid_checked": "on"})
    assert IncidentImport.objects.get().status == ImportStatus.APPLIED
    assert Incident.objects.filter(local_reference="W1").exists()


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        (
            {"Incident date": "01/01/0001", "Reported date": "02/01/0001"},
            "Incident date",
            "must be on or after 1 January 2000.",
        ),
        # The model's own rule is the one told when both apply.
        ({"Incident date": "31/12/9999"}, "Incident date", "cannot be in the future"),
    ],
)
def test_an_implausible_date_is_an_error_naming_the_row_and_column(world, alice, overrides, column, message):
    incident_import = start(world, alice, [row("W1", **overrides)])
    found = problems_of(incident_import)
    assert any((number, heading) == (2, column) and message in text for number, heading, text in found), found


def test_the_command_lists_the_warnings_and_applies_only_with_pid_checked(world, tmp_path):
    path = tmp_path / "datix.csv"
    path.write_bytes(csv_bytes([row("W1", Description="Partner rang from 0113 496 0000.")]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="--pid-checked"):
        call_command("import_incidents", str(path), "--provider", "AA1", "--apply", stdout=out)
    assert "row 2, Description: This has what looks like a phone number" in out.getvalue()
    assert not Incident.objects.filter(local_reference="W1").exists()
    call_command(
        "import_incidents", str(path), "--provider", "AA1", "--apply", "--pid-checked", stdout=io.StringIO()
    )
    assert Incident.objects.filter(local_reference="W1").exists()
