import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_superuser_admin_pages_render(client, world):
    client.force_login(world.personas["superuser"])
    pages = [
        ("admin:lmns_provider_change", [world.a1.pk]),
        ("admin:lmns_lmns_change", [world.lmns_a.pk]),
        ("admin:auth_user_change", [world.personas["nobody"].pk]),
        ("admin:lmns_membership_changelist", []),
        ("admin:incidents_theme_changelist", []),
    ]
    for name, args in pages:
        assert client.get(reverse(name, args=args)).status_code == 200, name


def test_view_on_site_redirect_is_for_superusers_only(client, world):
    from django.contrib.contenttypes.models import ContentType

    from lmns.models import Provider

    url = reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(Provider).pk, world.b1.pk])
    client.force_login(world.personas["superuser"])
    assert client.get(url).status_code == 302
    client.force_login(world.personas["lmns:lmns_safety_lead"])
    assert client.get(url).status_code == 404
