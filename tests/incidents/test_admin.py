import pytest
from django.urls import reverse

from incidents.models import Theme
from lmns.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def safety_lead(world):
    return world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"]


def test_safety_lead_adds_a_theme_in_the_admin(client, safety_lead, world):
    client.force_login(safety_lead)
    response = client.post(
        reverse("admin:incidents_theme_add"),
        {"name": "Sepsis recognition", "is_active": "on", "lmns": world.lmns_a.pk},
    )
    assert response.status_code == 302
    assert Theme.objects.filter(name="Sepsis recognition", is_active=True, lmns=world.lmns_a).exists()


def test_safety_lead_cannot_delete_reference_data_or_manage_people(client, safety_lead):
    client.force_login(safety_lead)
    theme = Theme.objects.first()
    assert client.get(reverse("admin:incidents_theme_delete", args=[theme.pk])).status_code == 403
    assert client.get(reverse("admin:lmns_membership_changelist")).status_code == 403
    body = client.get(reverse("admin:index")).content.decode()
    assert "Themes" in body
    assert "Memberships" not in body


def test_other_roles_cannot_edit_reference_data(client, world):
    client.force_login(world.personas[f"provider:{Role.PROVIDER_LEAD}"])
    response = client.get(reverse("admin:incidents_theme_changelist"))
    assert response.status_code == 302  # sent to the admin sign-in
    assert reverse("admin:login") in response.url


def test_the_admin_has_no_view_on_site_redirect_that_skips_access_checks(client, safety_lead, world):
    from django.contrib.contenttypes.models import ContentType

    from incidents.models import Incident

    client.force_login(safety_lead)
    other = world.record("incident", world.b1)
    content_type = ContentType.objects.get_for_model(Incident)
    assert client.get(f"/admin/r/{content_type.pk}/{other.pk}/").status_code == 404
