"""Who reaches the people pages: an LMNS's system administrators, for their own LMNS only."""

import pytest
from django.urls import reverse

from lmns.models import Role
from lmns.people.forms import OrganisationField
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# Every page about one person, and whether it takes a POST only.
PERSON_PAGES = [
    ("people:detail", False),
    ("people:history", False),
    ("people:role-grant", False),
    ("people:role-remove", True),
    ("people:deactivate", True),
    ("people:reactivate", True),
    ("people:invitation-resend", True),
]


def _url(name, person):
    kwargs = {"pk": person.pk}
    if name == "people:role-remove":
        kwargs["membership"] = person.memberships.get().pk
    return reverse(name, kwargs=kwargs)


def test_the_list_shows_the_lmns_and_its_providers_people_and_no_one_elses(client, region):
    client.force_login(region.admin_a)
    region.midwife.last_login = "2026-11-30T09:15:00Z"
    region.midwife.save()
    body = client.get(reverse("people:list")).content.decode()
    assert "Mia Midwife" in body and "midwife-a1@example.invalid" in body
    assert "Provider contributor, Aardvark Hospitals NHS Trust" in body
    assert "30 November 2026, 09:15" in body
    assert "officer-a" in body and "LMNS officer, Alpha LMNS" in body
    assert "Never" in body  # the officer has not signed in
    for other in ("Bea Badger", "badger-lead", "admin-b", "Beta LMNS", "Badger Valley"):
        assert other not in body


@pytest.mark.parametrize(("name", "post_only"), PERSON_PAGES)
def test_another_lmnss_administrator_gets_404_on_every_person_page(client, region, name, post_only):
    client.force_login(region.admin_b)
    url = _url(name, region.midwife)
    response = client.post(url) if post_only else client.get(url)
    assert response.status_code == 404
    region.midwife.refresh_from_db()
    assert region.midwife.is_active and region.midwife.memberships.exists()


@pytest.mark.parametrize(("name", "post_only"), PERSON_PAGES)
def test_people_without_the_role_get_404_on_person_pages(client, region, name, post_only):
    client.force_login(region.officer)
    url = _url(name, region.midwife)
    assert (client.post(url) if post_only else client.get(url)).status_code == 404


@pytest.mark.parametrize("name", ["people:list", "people:invite"])
def test_people_without_the_role_are_refused_the_list_and_invite(client, region, name):
    client.force_login(region.midwife)
    assert client.get(reverse(name)).status_code == 403


def test_the_deployment_administrator_manages_every_lmns(client, region):
    client.force_login(region.root)
    body = client.get(reverse("people:list")).content.decode()
    assert "Mia Midwife" in body and "Bea Badger" in body
    assert client.get(_url("people:detail", region.badger)).status_code == 200


def test_invite_offers_only_the_administrators_lmns_and_its_providers(client, region):
    client.force_login(region.admin_a)
    body = client.get(reverse("people:invite")).content.decode()
    assert "Alpha LMNS" in body and "Aardvark Hospitals NHS Trust (AA1)" in body
    assert "Beta LMNS" not in body and "Badger Valley" not in body
    response = client.post(
        reverse("people:invite"),
        {
            "first_name": "Sly",
            "last_name": "Fox",
            "email": "sly@example.invalid",
            "organisation": OrganisationField.key(region.b1),
            "role": "provider_lead",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not region.b1.memberships.filter(user__username="sly@example.invalid").exists()


def test_a_role_elsewhere_is_neither_shown_nor_removable(client, region):
    region.badger.memberships.create(provider=region.a2, role="provider_contributor")
    elsewhere = region.badger.memberships.get(provider=region.b1)
    client.force_login(region.admin_a)
    body = client.get(_url("people:detail", region.badger)).content.decode()
    assert "Albatross Health NHS Trust" in body and "Badger Valley" not in body
    assert "They also hold roles in another LMNS" in body
    url = reverse("people:role-remove", kwargs={"pk": region.badger.pk, "membership": elsewhere.pk})
    assert client.post(url).status_code == 404
    assert region.badger.memberships.filter(pk=elsewhere.pk).exists()


def test_the_menu_offers_people_to_system_administrators_only(client, region):
    client.force_login(region.admin_a)
    assert 'href="/people/"' in client.get(reverse("home")).content.decode()
    client.force_login(region.officer)
    assert 'href="/people/"' not in client.get(reverse("home")).content.decode()


def test_the_list_comes_in_pages_with_a_fixed_number_of_queries(
    client, region, django_assert_max_num_queries
):
    for n in range(60):
        make_user(f"joiner-{n:02}", role=Role.PROVIDER_CONTRIBUTOR, provider=region.a2)
    client.force_login(region.admin_a)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("people:list")).content.decode()
    second = client.get(reverse("people:list"), {"page": 2}).content.decode()
    assert "joiner-00" in first and "joiner-59" not in first
    assert "joiner-59" in second
