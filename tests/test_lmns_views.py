from datetime import date

import pytest
from django.urls import reverse

from lmns.models import Unit
from tests.test_work import HOME_QUERY_BUDGET
from tests.workforce.perinatal.factories import make_perinatal_return

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


def _edit_url(unit):
    return reverse("lmns:unit-edit", kwargs={"ods_code": unit.provider.ods_code, "pk": unit.pk})


def test_a_lead_corrects_a_sites_name_code_and_type_and_its_records_stay_with_it(client, world, alice):
    unit = world.a1.units.get()
    make_perinatal_return(world.a1, month=date(2026, 9, 1), unit=unit)
    client.force_login(alice)
    page = client.get(reverse("lmns:provider-detail", kwargs={"ods_code": "AA1"})).content.decode()
    assert _edit_url(unit) in page
    response = client.post(
        _edit_url(unit),
        {"name": "Aardvark Women's Unit", "ods_site_code": "aa109", "unit_type": "alongside_mlu"},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.name, unit.ods_site_code, unit.unit_type) == (
        "Aardvark Women's Unit",
        "AA109",
        "alongside_mlu",
    )
    assert unit.perinatal_returns.count() == 1


def test_a_site_with_perinatal_figures_cannot_become_a_neonatal_unit(client, world, alice):
    unit = world.a1.units.get()
    make_perinatal_return(world.a1, month=date(2026, 9, 1), unit=unit)
    client.force_login(alice)
    response = client.post(
        _edit_url(unit), {"name": unit.name, "ods_site_code": unit.ods_site_code, "unit_type": "neonatal_lnu"}
    )
    assert response.status_code == 200
    assert "cannot become a neonatal unit" in response.content.decode()
    unit.refresh_from_db()
    assert unit.unit_type == "obstetric_unit"


def test_a_site_without_births_recorded_may_become_a_neonatal_unit(client, world, alice):
    unit = world.a1.units.get()
    client.force_login(alice)
    data = {"name": unit.name, "ods_site_code": unit.ods_site_code, "unit_type": "neonatal_lnu"}
    assert client.post(_edit_url(unit), data).status_code == 302
    unit.refresh_from_db()
    assert unit.unit_type == "neonatal_lnu"


def test_only_those_who_manage_units_change_them_and_only_at_their_provider(client, world, alice, bob):
    own, other = world.a1.units.get(), world.b1.units.get()
    data = {"name": "Renamed", "ods_site_code": "ZZ998", "unit_type": "obstetric_unit"}
    client.force_login(bob)
    assert client.post(_edit_url(own), data).status_code == 403
    client.force_login(alice)
    assert client.post(_edit_url(other), data).status_code == 404
    # Another provider's site through this provider's address is not found either.
    crossed = reverse("lmns:unit-edit", kwargs={"ods_code": "AA1", "pk": other.pk})
    assert client.post(crossed, data).status_code == 404
    assert not Unit.objects.filter(name="Renamed").exists()
