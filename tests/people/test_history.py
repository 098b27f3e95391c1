"""Every change to a person is in their history: who gave or removed which role, who
invited, deactivated or reactivated them."""

import pytest
from django.urls import reverse

from lmns.models import Role
from lmns.people.forms import OrganisationField
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _history(client, person) -> str:
    return client.get(reverse("people:history", kwargs={"pk": person.pk})).content.decode()


def test_the_history_says_who_invited_gave_removed_and_deactivated(
    client, region, django_capture_on_commit_callbacks
):
    client.force_login(region.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("people:invite"),
            {
                "first_name": "Nia",
                "last_name": "New",
                "email": "nia@example.invalid",
                "organisation": OrganisationField.key(region.a1),
                "role": Role.PROVIDER_CONTRIBUTOR,
            },
        )
    person = region.a1.memberships.get(user__username="nia@example.invalid").user
    url = reverse("people:role-grant", kwargs={"pk": person.pk})
    client.post(url, {"organisation": OrganisationField.key(region.a2), "role": Role.BOARD_VIEWER})
    first = person.memberships.get(provider=region.a1)
    client.post(reverse("people:role-remove", kwargs={"pk": person.pk, "membership": first.pk}))
    client.post(reverse("people:deactivate", kwargs={"pk": person.pk}))

    body = _history(client, person)
    assert "Given: Provider contributor, Aardvark Hospitals NHS Trust" in body
    assert "Given: Board viewer (read-only), Albatross Health NHS Trust" in body
    assert "Removed: Provider contributor, Aardvark Hospitals NHS Trust" in body
    assert body.count("Ada Admin") >= 5  # three role changes, the account made and deactivated
    assert "Created by Ada Admin" in body and "Changed by Ada Admin" in body
    assert "nia@example.invalid" in body


def test_the_history_shows_no_role_changes_in_another_lmns(client, region):
    region.badger.memberships.create(provider=region.a1, role=Role.PROVIDER_CONTRIBUTOR)
    client.force_login(region.admin_a)
    body = _history(client, region.badger)
    assert "Given: Provider contributor, Aardvark Hospitals NHS Trust" in body
    assert "Badger Valley" not in body


def test_signing_in_adds_no_row_to_the_history(client, region):
    before = region.midwife.history.count()
    response = client.post(reverse("login"), {"username": region.midwife.username, "password": PASSWORD})
    assert response.status_code == 302
    region.midwife.refresh_from_db()
    assert region.midwife.last_login is not None
    assert region.midwife.history.count() == before


def test_the_password_hash_is_never_kept_in_the_history(region):
    assert "password" not in {field.name for field in region.midwife.history.model._meta.fields}
