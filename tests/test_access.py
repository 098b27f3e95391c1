import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from lmns import access
from lmns.models import Provider, Role, Unit
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_provider_users_see_only_their_own_provider(world, bob):
    assert set(access.providers_for(bob)) == {world.a1}
    assert set(Unit.objects.visible_to(bob)) == set(world.a1.units.all())


def test_lmns_staff_see_every_provider_of_their_lmns_and_none_of_another(world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    assert set(Provider.objects.visible_to(officer)) == {world.a1, world.a2}
    assert set(access.lmnss_for(officer)) == {world.lmns_a}


def test_several_memberships_add_up(world, bob):
    make_user_membership = bob.memberships.create
    make_user_membership(role=Role.PROVIDER_CONTRIBUTOR, provider=world.b1)
    assert set(access.providers_for(bob)) == {world.a1, world.b1}
    assert set(access.lmnss_for(bob)) == {world.lmns_a, world.lmns_b}


def test_inactive_and_anonymous_users_see_nothing(world, bob):
    bob.is_active = False
    bob.save()
    assert not access.providers_for(bob).exists()
    assert not access.can(bob, "manage_units", world.a1)


def test_get_for_user_hides_other_providers_as_not_found(world, bob):
    with pytest.raises(Http404):
        access.get_for_user(Provider.objects, bob, ods_code=world.a2.ods_code)
    assert access.get_for_user(Provider.objects, bob, ods_code=world.a1.ods_code) == world.a1


def test_get_for_user_refuses_actions_the_role_does_not_allow(world, alice, bob):
    with pytest.raises(PermissionDenied):
        access.get_for_user(Provider.objects, bob, action="manage_units", ods_code="AA1")
    assert access.get_for_user(Provider.objects, alice, action="manage_units", ods_code="AA1") == world.a1


def test_a_provider_lead_may_not_manage_a_sibling_provider(world, alice):
    assert access.can(alice, "manage_units", world.a1)
    assert not access.can(alice, "manage_units", world.a2)


def test_lmns_safety_lead_manages_units_across_the_lmns_only(world):
    lead = world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"]
    assert access.can(lead, "manage_units", world.a2)
    assert not access.can(lead, "manage_units", world.b1)


def test_a_user_without_memberships_sees_nothing(db):
    assert not access.providers_for(make_user()).exists()
