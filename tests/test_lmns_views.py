import pytest
from django.urls import reverse

from lmns.models import Unit
from tests.test_work import HOME_QUERY_BUDGET

pytestmark = pytest.mark.django_db


def _unit_url(provider):
    return reverse("lmns:unit-create", kwargs={"ods_code": provider.ods_code})


def test_provider_lead_adds_a_unit(client, world, alice):
    client.force_login(alice)
    response = client.post(
        _unit_url(world.a1),
        {"name": "Aardvark Birth Centre", "ods_site_code": "aa102", "unit_type": "alongside_mlu"},
    )
    assert response.status_code == 302
    unit = Unit.objects.get(name="Aardvark Birth Centre")
    assert (unit.provider, unit.ods_site_code) == (world.a1, "AA102")


def test_bad_unit_shows_errors_on_the_fields_and_saves_nothing(client, world, alice):
    client.force_login(alice)
    before = Unit.objects.count()
    response = client.post(_unit_url(world.a1), {"name": "", "ods_site_code": "AA101", "unit_type": "castle"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "nhsuk-error-message" in body
    assert "Unit with this ODS site code already exists." in body
    assert "Select a valid choice" in body
    assert Unit.objects.count() == before


def test_duplicate_unit_name_in_the_same_provider_is_refused_clearly(client, world, alice):
    client.force_login(alice)
    existing = world.a1.units.get()
    response = client.post(
        _unit_url(world.a1), {"name": existing.name, "ods_site_code": "AA109", "unit_type": "obstetric_unit"}
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert world.a1.units.count() == 1


def test_read_only_roles_cannot_post_and_other_providers_are_not_found(client, world, bob, alice):
    data = {"name": "Sneaky Unit", "ods_site_code": "ZZ999", "unit_type": "obstetric_unit"}
    client.force_login(bob)
    assert client.post(_unit_url(world.a1), data).status_code == 403
    client.force_login(alice)
    assert client.post(_unit_url(world.b1), data).status_code == 404
    assert not Unit.objects.filter(name="Sneaky Unit").exists()


def test_provider_pages_keep_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    officer = world.personas["lmns:lmns_officer"]
    client.force_login(officer)
    for n in range(20):
        world.a1.units.create(name=f"Extra unit {n}", ods_site_code=f"AX{n:03d}", unit_type="obstetric_unit")
    with django_assert_max_num_queries(12):
        client.get(reverse("lmns:provider-list"))
    with django_assert_max_num_queries(12):
        client.get(reverse("lmns:provider-detail", kwargs={"ods_code": world.a1.ods_code}))
    # The home page also counts the officer's waiting work (tests/test_work.py).
    with django_assert_max_num_queries(HOME_QUERY_BUDGET):
        client.get(reverse("home"))
