"""Leavers: deactivating an account ends its sessions and API tokens at once."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from lmns.people import services
from quality.api.services import api_token_create
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"


def _signed_in(username) -> Client:
    """A real sign-in, with its session in the session store, as a browser would hold."""
    browser = Client()
    response = browser.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")
    return browser


def _deactivate(client, person):
    return client.post(reverse("people:deactivate", kwargs={"pk": person.pk}), follow=True)


def test_deactivating_a_leaver_ends_their_session_and_api_token_at_once(client, region):
    leaver = _signed_in(region.midwife.username)
    colleague = _signed_in(region.officer.username)
    token, secret = api_token_create(user=region.midwife, name="Risk system")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert leaver.get(reverse("home")).status_code == 200
    assert api.get(INCIDENTS).status_code == 200

    client.force_login(region.admin_a)
    body = _deactivate(client, region.midwife).content.decode()
    assert "Account deactivated" in body

    response = leaver.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert api.get(INCIDENTS).status_code == 401
    assert colleague.get(reverse("home")).status_code == 200
    region.midwife.refresh_from_db()
    token.refresh_from_db()
    assert not region.midwife.is_active and token.is_revoked
    assert region.midwife.memberships.exists()


def test_a_reactivated_person_signs_in_again_with_their_roles_but_not_their_tokens(client, region):
    _token, secret = api_token_create(user=region.midwife, name="Risk system")
    client.force_login(region.admin_a)
    _deactivate(client, region.midwife)
    body = client.post(reverse("people:reactivate", kwargs={"pk": region.midwife.pk}), follow=True)
    assert "Account reactivated." in body.content.decode()
    returning = _signed_in(region.midwife.username)
    assert returning.get(reverse("incidents:index")).status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(INCIDENTS).status_code == 401


def test_the_session_of_a_leaver_is_gone_not_just_refused(client, region):
    """Reactivating someone must not bring back a session left on a shared computer."""
    left_open = _signed_in(region.midwife.username)
    client.force_login(region.admin_a)
    _deactivate(client, region.midwife)
    client.post(reverse("people:reactivate", kwargs={"pk": region.midwife.pk}))
    response = left_open.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_no_one_deactivates_themselves(client, region):
    client.force_login(region.admin_a)
    assert "You cannot deactivate your own account." in _deactivate(client, region.admin_a).content.decode()
    region.admin_a.refresh_from_db()
    assert region.admin_a.is_active


def test_someone_with_access_beyond_the_lmns_is_deactivated_only_by_the_deployment_administrator(
    client, region
):
    region.badger.memberships.create(provider=region.a1, role="provider_contributor")
    client.force_login(region.admin_a)
    body = _deactivate(client, region.badger).content.decode()
    assert "only the deployment administrator can deactivate their account" in body
    region.badger.refresh_from_db()
    assert region.badger.is_active
    services.person_deactivate(person=region.badger, by=region.root)
    region.badger.refresh_from_db()
    assert not region.badger.is_active


def test_a_deployment_administrator_is_not_deactivated_by_an_lmns(client, region):
    region.root.memberships.create(lmns=region.lmns_a, role="board_viewer")
    client.force_login(region.admin_a)
    assert "only the deployment administrator" in _deactivate(client, region.root).content.decode()
    region.root.refresh_from_db()
    assert region.root.is_active
