"""An incident of a death type is graded fatal, or says why not: the pre-visit pack and the
board count harm by type, and "Maternal death: no physical harm" undermines every figure."""

import random
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import services
from incidents.demo import history_incident
from incidents.models import Incident, IncidentType
from incidents.reference_data import DEATH_TYPES
from tests.factories import make_user
from tests.incidents.test_views import _incident_form

pytestmark = pytest.mark.django_db


def _type(name):
    return IncidentType.objects.get(name=name, lmns=None)


def _create(world, **fields):
    return services.incident_create(
        provider=world.a1,
        by=make_user(),
        **{
            "local_reference": "DATIX-DEATH",
            "occurred_on": date(2026, 11, 1),
            "reported_on": date(2026, 11, 2),
            "psychological_harm": "severe",
            "summary": "Reviewed at the weekly incident meeting.",
            **fields,
        },
    )


def test_the_migration_marks_every_death_type_and_nothing_else():
    assert set(IncidentType.objects.filter(is_death=True).values_list("name", flat=True)) == set(DEATH_TYPES)


@pytest.mark.parametrize("name", DEATH_TYPES)
def test_a_death_graded_other_than_fatal_is_refused_without_a_reason(world, name):
    with pytest.raises(ValidationError) as error:
        _create(world, incident_type=_type(name), physical_harm="none")
    assert error.value.message_dict["physical_harm"] == [
        f"{name} is a death: choose “Fatal”, or say why the harm is graded otherwise"
    ]
    assert not Incident.objects.filter(local_reference__in=["DATIX-DEATH", "DATIX-900"]).exists()


def test_a_death_is_accepted_graded_fatal_or_with_its_reason(world):
    _create(world, incident_type=_type("Stillbirth"), physical_harm="fatal")
    reason = "Harm graded for the mother, as our LFPSE record does."
    incident = _create(
        world,
        local_reference="DATIX-DEATH-2",
        incident_type=_type("Stillbirth"),
        physical_harm="severe",
        not_fatal_reason=reason,
    )
    assert incident.not_fatal_reason == reason


def test_a_reason_is_refused_where_there_is_nothing_to_explain(world):
    with pytest.raises(ValidationError) as error:
        _create(
            world,
            incident_type=_type("Shoulder dystocia"),
            physical_harm="low",
            not_fatal_reason="Typed in the wrong box.",
        )
    assert set(error.value.message_dict) == {"not_fatal_reason"}


def test_the_form_shows_the_refusal_at_the_harm_field(client, world, bob):
    client.force_login(bob)
    response = client.post(
        reverse("incidents:incident-create"),
        _incident_form(provider=world.a1.pk, incident_type=_type("Maternal death").pk, physical_harm="none"),
    )
    assert response.status_code == 200
    assert "Maternal death is a death: choose “Fatal”" in response.content.decode()
    assert not Incident.objects.filter(local_reference__in=["DATIX-DEATH", "DATIX-900"]).exists()


def test_the_demo_history_grades_every_death_fatal_and_only_deaths(world):
    types = list(IncidentType.objects.filter(lmns=None).active().order_by("pk"))
    rng = random.Random(7)
    made = [
        history_incident(
            provider=world.a1,
            unit=None,
            month=date(2025, month % 12 + 1, 1),
            rng=rng,
            types=types,
            today=date(2026, 12, 1),
            reference=f"H-{n}",
            summary="Demonstration history.",
        )
        for n, month in enumerate(range(1500))
    ]
    pairs = {(i.incident_type.is_death, i.physical_harm) for i in made if i is not None}
    assert (True, "fatal") in pairs
    assert {harm for is_death, harm in pairs if is_death} == {"fatal"}
    assert "fatal" not in {harm for is_death, harm in pairs if not is_death}
