from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from lmns.models import Role
from quality.api.models import ApiToken
from quality.api.services import api_token_create
from tests.factories import make_user

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"


def _bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_creating_a_token_shows_its_secret_once_and_keeps_only_a_hash(client, alice):
    client.force_login(alice)
    response = client.post(reverse("tokens:create"), {"name": "Datix export", "days": "90"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("lmns_") and secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=alice)
    assert token.name == "Datix export"
    assert secret[: len(token.prefix)] == token.prefix
    assert secret not in {token.digest, token.prefix}
    listing = client.get(reverse("tokens:list")).content.decode()
    assert token.prefix in listing and secret not in listing
    assert _bearer(secret).get(INCIDENTS).status_code == 200


def test_a_token_needs_a_name(client, alice):
    client.force_login(alice)
    response = client.post(reverse("tokens:create"), {"name": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_the_token_records_when_it_was_last_used(world, alice):
    token, secret = api_token_create(user=alice, name="Risk system")
    assert token.last_used_at is None
    _bearer(secret).get(INCIDENTS)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_answers_401(client, world, alice):
    token, secret = api_token_create(user=alice, name="Risk system")
    client.force_login(alice)
    response = client.post(reverse("tokens:revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = _bearer(secret).get(INCIDENTS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_only_the_holder_may_revoke_a_token(client, world, alice, bob):
    token, secret = api_token_create(user=alice, name="Risk system")
    client.force_login(bob)
    assert client.post(reverse("tokens:revoke", kwargs={"pk": token.pk})).status_code == 404
    assert _bearer(secret).get(INCIDENTS).status_code == 200


def test_a_token_of_an_inactive_user_answers_401(world, alice):
    _token, secret = api_token_create(user=alice, name="Risk system")
    alice.is_active = False
    alice.save()
    assert _bearer(secret).get(INCIDENTS).status_code == 401


def test_superusers_may_not_hold_tokens(client, world):
    root = world.personas["superuser"]
    client.force_login(root)
    assert client.get(reverse("tokens:create")).status_code == 403
    assert client.post(reverse("tokens:create"), {"name": "Everything"}).status_code == 403
    assert not ApiToken.objects.exists()
    assert "cannot hold API tokens" in client.get(reverse("tokens:list")).content.decode()


def test_a_token_stops_working_when_its_user_becomes_a_superuser(world, alice):
    _token, secret = api_token_create(user=alice, name="Risk system")
    alice.is_superuser = True
    alice.save()
    assert _bearer(secret).get(INCIDENTS).status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer lmns_not-a-real-token", "Bearer two parts", "Bearer caf\u00e9".encode()]
)
def test_malformed_or_unknown_tokens_answer_401(world, header):
    client = APIClient()
    response = client.get(INCIDENTS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_no_credentials_answer_401_not_a_sign_in_redirect(world):
    response = APIClient().get(INCIDENTS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_the_schema_needs_a_token_and_the_docs_page_a_sign_in(world, alice):
    assert APIClient().get(reverse("api:schema")).status_code == 401
    _token, secret = api_token_create(user=alice, name="Risk system")
    assert _bearer(secret).get(reverse("api:schema")).status_code == 200
    response = APIClient().get(reverse("api:docs"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_signed_in_browser_reads_but_must_pass_the_csrf_check_to_write(world, alice):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get(INCIDENTS).status_code == 200
    response = client.post(INCIDENTS, {"provider": world.a1.ods_code}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_token_acts_with_its_users_roles_only(world):
    viewer = make_user("viewer-a1", role=Role.BOARD_VIEWER, provider=world.a1)
    _token, secret = api_token_create(user=viewer, name="Board dashboard")
    client = _bearer(secret)
    incident = world.record("incident", world.a1)
    assert client.get(f"{INCIDENTS}{incident.pk}/").status_code == 200
    assert client.patch(f"{INCIDENTS}{incident.pk}/", {"summary": "x"}, format="json").status_code == 403


def test_a_token_lasts_90_days_unless_another_time_is_chosen(client, alice):
    client.force_login(alice)
    page = client.get(reverse("tokens:create"))
    assert page.context["form"]["days"].value() == 90
    before = timezone.now()
    client.post(reverse("tokens:create"), {"name": "Datix export", "days": "30"})
    token = ApiToken.objects.get(user=alice)
    assert timedelta(days=30) <= token.expires_at - before < timedelta(days=30, minutes=1)
    response = client.post(reverse("tokens:create"), {"name": "Longer", "days": "3650"})
    assert response.context["form"].errors["days"]
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_an_expired_token_answers_401_saying_so_and_shows_as_expired(client, world, alice):
    token, secret = api_token_create(user=alice, name="Risk system")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _bearer(secret).get(INCIDENTS)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("This token expired on ")
    assert "Create a new one on your API tokens page." in response.json()["detail"]
    client.force_login(alice)
    listing = client.get(reverse("tokens:list")).content.decode()
    assert "Expired " in listing and "Revoke<" not in listing


def test_the_header_links_to_api_tokens_only_for_those_who_may_hold_them(client, world):
    tokens_link = f'href="{reverse("tokens:list")}">API tokens<'
    for name, person in world.personas.items():
        client.force_login(person)
        header = client.get(reverse("home")).content.decode()
        assert (tokens_link in header) is (name != "superuser"), name
