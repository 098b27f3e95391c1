"""Granting and removing roles, and the guards that keep every LMNS administered."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from lmns.models import Membership, Role
from lmns.people import services
from lmns.people.forms import OrganisationField

pytestmark = pytest.mark.django_db


def _grant(client, person, organisation, role):
    url = reverse("people:role-grant", kwargs={"pk": person.pk})
    return client.post(url, {"organisation": OrganisationField.key(organisation), "role": role})


def _remove(client, membership, follow=True):
    url = reverse("people:role-remove", kwargs={"pk": membership.user_id, "membership": membership.pk})
    return client.post(url, follow=follow)


def test_an_administrator_gives_and_removes_roles(client, region):
    client.force_login(region.admin_a)
    response = _grant(client, region.midwife, region.a2, Role.PROVIDER_LEAD)
    assert response.status_code == 302
    given = region.midwife.memberships.get(provider=region.a2)
    assert given.role == Role.PROVIDER_LEAD
    body = _remove(client, given).content.decode()
    assert "Role removed." in body
    assert not region.midwife.memberships.filter(pk=given.pk).exists()


def test_a_role_at_the_wrong_level_or_held_already_is_refused_clearly(client, region):
    client.force_login(region.admin_a)
    wrong = _grant(client, region.midwife, region.lmns_a, Role.PROVIDER_LEAD)
    assert "Provider lead is a provider role; choose a provider." in wrong.content.decode()
    again = _grant(client, region.midwife, region.a1, Role.PROVIDER_CONTRIBUTOR)
    assert "They are already provider contributor at Aardvark Hospitals NHS Trust." in again.content.decode()
    assert region.midwife.memberships.count() == 1


def test_an_administrator_cannot_give_roles_in_another_lmns(client, region):
    client.force_login(region.admin_a)
    response = _grant(client, region.midwife, region.b1, Role.PROVIDER_LEAD)
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(PermissionDenied):
        services.membership_grant(
            person=region.midwife, organisation=region.b1, role="provider_lead", by=region.admin_a
        )
    assert not region.midwife.memberships.filter(provider=region.b1).exists()


def test_no_one_removes_their_own_system_administrator_role(client, region):
    second = Membership.objects.create(
        user=region.officer, lmns=region.lmns_a, role=Role.SYSTEM_ADMINISTRATOR
    )
    client.force_login(region.admin_a)
    own = region.admin_a.memberships.get()
    body = _remove(client, own).content.decode()
    assert "You cannot remove your own system administrator role" in body
    assert Membership.objects.filter(pk=own.pk).exists()
    # Another administrator may.
    client.force_login(region.officer)
    _remove(client, own)
    assert not Membership.objects.filter(pk=own.pk).exists()
    assert Membership.objects.filter(pk=second.pk).exists()


def test_an_lmns_keeps_an_active_system_administrator(client, region):
    only = region.admin_a.memberships.get()
    client.force_login(region.root)
    body = _remove(client, only).content.decode()
    assert "Alpha LMNS would have no active system administrator" in body
    assert Membership.objects.filter(pk=only.pk).exists()
    # An inactive administrator does not count.
    Membership.objects.create(user=region.officer, lmns=region.lmns_a, role=Role.SYSTEM_ADMINISTRATOR)
    region.officer.is_active = False
    region.officer.save()
    with pytest.raises(ValidationError, match="no active system administrator"):
        services.membership_remove(membership=only, by=region.root)
    with pytest.raises(ValidationError, match="no active system administrator"):
        services.person_deactivate(person=region.admin_a, by=region.root)


def test_removing_someones_last_role_here_returns_to_the_list(client, region):
    client.force_login(region.admin_a)
    response = _remove(client, region.midwife.memberships.get(), follow=False)
    assert response.url == reverse("people:list")
    assert region.midwife.is_active
