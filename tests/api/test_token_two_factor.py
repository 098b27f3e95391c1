"""A token made before its user's LMNS required two-factor sign-in stops working until the
user has set up an authenticator app (quality.api.authentication)."""

import pytest
from django.urls import reverse

from lmns.models import Role
from tests.api.conftest import client_with_token
from tests.factories import app_code
from tests.test_two_factor import enrol

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


def _require_two_factor(world):
    world.lmns_a.two_factor_required = True
    world.lmns_a.save()


def test_a_token_answers_401_while_its_user_owes_two_factor_set_up(world, officer):
    api = client_with_token(officer)
    assert api.get(INCIDENTS).status_code == 200

    _require_two_factor(world)
    response = api.get(INCIDENTS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "set up an authenticator app" in response.json()["detail"]
    assert api.post(INCIDENTS, {}, format="json").status_code == 401

    enrol(officer)
    assert api.get(INCIDENTS).status_code == 200


def test_a_token_of_a_user_enrolled_before_the_rule_keeps_working(world, officer):
    enrol(officer)
    api = client_with_token(officer)
    _require_two_factor(world)
    assert api.get(INCIDENTS).status_code == 200


def test_a_token_of_a_user_the_rule_does_not_bind_keeps_working(world, bob):
    api = client_with_token(bob)  # provider staff: the LMNS's rule is for its own team
    _require_two_factor(world)
    assert api.get(INCIDENTS).status_code == 200


def test_a_session_that_owes_two_factor_is_told_what_to_do(client, world, officer):
    _require_two_factor(world)
    client.force_login(officer)
    response = client.get(INCIDENTS)
    assert response.status_code == 401
    assert "set up an authenticator app" in response.json()["detail"]

    device, _ = enrol(officer)
    client.force_login(officer)
    response = client.get(INCIDENTS)
    assert response.status_code == 401
    assert response.json()["detail"] == "Enter your two-factor code on the website first."
    client.post(reverse("two-factor-verify"), {"code": app_code(device)})
    assert client.get(INCIDENTS).status_code == 200
