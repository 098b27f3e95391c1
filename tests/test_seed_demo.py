import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from lmns.demo import DEMO_PASSWORD, DEMO_USERS
from lmns.models import Lmns, Membership, Provider, Role

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo")
    assert not Lmns.objects.exists()


def test_seed_demo_is_idempotent_and_prints_passwords_once(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out
    assert DEMO_PASSWORD in first
    assert DEMO_PASSWORD not in second
    assert Lmns.objects.count() == 1
    assert Provider.objects.count() == 5
    assert get_user_model().objects.count() == len(DEMO_USERS)
    assert Membership.objects.count() == len(DEMO_USERS)
    assert {m.role for m in Membership.objects.all()} == set(Role)


def test_every_demo_user_signs_in_and_sees_their_role(client):
    call_command("seed_demo", force=True)
    for username, full_name, role, _ in DEMO_USERS:
        client.logout()
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        body = client.get(reverse("home")).content.decode()
        assert full_name in body
        assert role.label in body
