"""A mapping's value labels translate every coded column of a real export (units by their
local names, the incident type, the harms, the provider), and the preview shows what each
row will become."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents.imports import services
from incidents.models import Incident
from tests.factories import make_unit
from tests.incidents.imports.helpers import checked, csv_bytes, problems_of, upload

pytestmark = pytest.mark.django_db

# A Datix listing as a trust exports it: its own names for units, types and harms.
HEADINGS = ["Ref", "Incident date", "Reported date", "Type", "Result", "Psych harm", "Description",
            "Location (exact)", "Site", "Doc"]  # fmt: skip
COLUMNS = {
    "Ref": "local_reference",
    "Incident date": "occurred_on",
    "Reported date": "reported_on",
    "Type": "incident_type",
    "Result": "physical_harm",
    "Psych harm": "psychological_harm",
    "Description": "summary",
    "Location (exact)": "unit",
    "Site": "provider",
    "Doc": "duty_of_candour",
}
VALUES = {
    "unit": {"Labour Ward": "Aardvark Women's Unit", "Birth Centre": "AAU02"},
    "incident_type": {"Shoulder dystocia (SD)": "Shoulder dystocia"},
    "physical_harm": {"Moderate (Datix)": "moderate"},
    "psychological_harm": {"None": "none"},
    "provider": {"Aardvark General": "AA1"},
    "duty_of_candour": {"Y": "applies"},
}


def datix_row(reference, unit="Labour Ward"):
    occurred = date.today() - timedelta(days=7)
    dates = [f"{occurred:%d/%m/%Y}", f"{occurred + timedelta(days=1):%d/%m/%Y}"]
    return [reference, *dates, "Shoulder dystocia (SD)", "Moderate (Datix)", "None",
            "Delay in escalating an abnormal CTG.", unit, "Aardvark General", "Y"]  # fmt: skip


@pytest.fixture
def units(world):
    return [
        make_unit(world.a1, "Aardvark Women's Unit", "AAU01"),
        make_unit(world.a1, "Aardvark Birth Centre", "AAU02"),
    ]


def save_mapping(world, alice, values=VALUES):
    return services.import_mapping_save(
        provider=world.a1, name="Our Datix", columns=COLUMNS, values=values, by=alice
    )


def start(world, alice, rows):
    return checked(
        services.incident_import_start(
            provider=world.a1,
            mapping_name="Our Datix",
            file=upload(csv_bytes(rows, headings=HEADINGS)),
            by=alice,
        )
    )


def test_units_and_every_coded_column_are_read_through_the_labels(world, alice, units):
    save_mapping(world, alice)
    incident_import = start(world, alice, [datix_row("D1"), datix_row("D2", unit="Birth Centre")])
    assert incident_import.problem_count == 0, problems_of(incident_import)
    services.incident_import_apply_start(incident_import=incident_import, by=alice)
    first, second = Incident.objects.filter(provider=world.a1, local_reference__in=["D1", "D2"]).order_by(
        "local_reference"
    )
    assert first.unit == units[0] and second.unit == units[1]
    assert first.incident_type.name == "Shoulder dystocia"
    assert (first.physical_harm, first.psychological_harm, first.duty_of_candour) == (
        "moderate",
        "none",
        "applies",
    )


def test_a_unit_neither_ours_nor_labelled_is_a_problem_that_says_how_to_fix_it(world, alice, units):
    save_mapping(world, alice)
    incident_import = start(world, alice, [datix_row("D1", unit="Ward 9")])
    assert problems_of(incident_import) == [
        (
            2,
            "Location (exact)",
            "“Ward 9” is not a unit of Aardvark Hospitals NHS Trust (by site name or ODS code). "
            "Use the unit's name or site code, or add it to the mapping's value labels.",
        )
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"unit": {"Labour Ward": "Delivery Suite"}},
            "“Labour Ward” maps to “Delivery Suite”, which is not the name or site code of a unit of "
            "Aardvark Hospitals NHS Trust.",
        ),
        (
            {"incident_type": {"SD": "Shoulder"}},
            "“SD” maps to “Shoulder”, which is not the name of an incident type in use.",
        ),
        (
            {"provider": {"Aardvark General": "BB1"}},
            "“Aardvark General” maps to “BB1”, which is not Aardvark Hospitals NHS Trust's ODS code (AA1).",
        ),
        (
            {"physical_harm": {"Moderate (Datix)": "medium"}},
            "“Moderate (Datix)” maps to “medium”, which is not a value of Physical harm.",
        ),
        ({"summary": {"x": "y"}}, "Value labels are given for “summary”, which takes the cell as it is"),
    ],
)
def test_a_label_that_could_never_apply_is_refused_when_the_mapping_is_saved(
    world, alice, units, values, message
):
    with pytest.raises(ValidationError) as refused:
        save_mapping(world, alice, values)
    assert any(text.startswith(message) for text in refused.value.messages), refused.value.messages


def test_the_preview_shows_each_rows_type_harm_and_unit(client, world, alice, units):
    save_mapping(world, alice)
    incident_import = start(world, alice, [datix_row("D1")])
    client.force_login(alice)
    page = client.get(incident_import.get_absolute_url()).content.decode()
    table = page[page.index('id="changes"') :]
    for shown in ["New incident", "Shoulder dystocia", "Moderate physical harm", "No psychological harm"]:
        assert shown in table
    assert "Aardvark Women&#39;s Unit" in table


def test_the_only_provider_is_chosen_on_the_upload_and_mapping_forms(client, world, alice):
    client.force_login(alice)
    for name in ["incidents:import-create", "incidents:import-mapping-create"]:
        form = client.get(reverse(name)).context["form"]
        assert list(form.fields["provider"].choices) == [(world.a1.pk, world.a1.name)]
        assert form["provider"].value() == world.a1.pk


def test_the_only_owner_is_chosen_on_the_perinatal_upload_form(client, world, alice):
    client.force_login(alice)
    form = client.get(reverse("workforce:monthly-import-create")).context["form"]
    assert form["owner"].value() == f"provider-{world.a1.pk}"
    assert "selected>Aardvark Hospitals NHS Trust</option>" in str(form["owner"])
