"""An incident under legal hold: set and lifted by the LMNS safety lead or a system
administrator, kept in its history, never set by an edit."""

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import Incident
from lmns.models import Role
from tests.factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(world):
    return make_incident(world.a1)


@pytest.mark.parametrize("persona", [f"lmns:{Role.LMNS_SAFETY_LEAD}", f"lmns:{Role.SYSTEM_ADMINISTRATOR}"])
def test_the_safety_lead_or_administrator_holds_an_incident_and_its_history_says_who(
    client, world, incident, persona
):
    holder = world.personas[persona]
    client.force_login(holder)
    url = reverse("incidents:incident-legal-hold", kwargs={"pk": incident.pk})

    assert 'name="legal_hold"' in client.get(incident.get_absolute_url()).content.decode()
    assert client.post(url, {"legal_hold": "on"}).status_code == 302
    incident.refresh_from_db()
    assert incident.legal_hold
    assert (
        "Under legal hold: kept whatever the retention period"
        in client.get(incident.get_absolute_url()).content.decode()
    )

    client.post(url, {})
    incident.refresh_from_db()
    assert not incident.legal_hold
    changes = [(row.legal_hold, row.history_user) for row in incident.history.order_by("history_id")]
    assert changes[-2:] == [(True, holder), (False, holder)]


@pytest.mark.parametrize(
    "persona", [f"provider:{Role.PROVIDER_LEAD}", f"lmns:{Role.LMNS_OFFICER}", f"lmns:{Role.BOARD_VIEWER}"]
)
def test_others_who_see_the_incident_cannot_hold_it(client, world, incident, persona):
    client.force_login(world.personas[persona])
    assert 'name="legal_hold"' not in client.get(incident.get_absolute_url()).content.decode()
    response = client.post(
        reverse("incidents:incident-legal-hold", kwargs={"pk": incident.pk}), {"legal_hold": "on"}
    )
    assert response.status_code == 403
    assert not Incident.objects.get(pk=incident.pk).legal_hold


def test_an_edit_cannot_set_or_lift_a_hold(world, incident, alice):
    with pytest.raises(ValueError, match="legal_hold"):
        services.incident_update(incident=incident, by=alice, legal_hold=True)
