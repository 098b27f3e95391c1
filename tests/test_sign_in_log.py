"""The sign-in log (issue #9): every sign-in, sign-out and failed attempt, kept by
django-axes, readable by the deployment's administrators in the admin and by no one else,
and changed by no one. No password is kept anywhere."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import connection
from django.urls import reverse

from lmns.models import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "Wrong-Password-Kept-Nowhere"


def _sign_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_sign_in_and_its_sign_out_are_logged(client, bob):
    _sign_in(client, bob.username)
    entry = AccessLog.objects.get(username=bob.username)
    assert entry.ip_address == "127.0.0.1" and entry.logout_time is None
    client.post(reverse("logout"))
    entry.refresh_from_db()
    assert entry.logout_time is not None


def test_a_failed_sign_in_is_logged_without_the_password(client, bob):
    _sign_in(client, bob.username, WRONG)
    _sign_in(client, "no-such-user", WRONG)
    assert set(AccessFailureLog.objects.values_list("username", flat=True)) == {bob.username, "no-such-user"}
    assert not AccessLog.objects.exists()
    # Not in any column of any of axes's tables.
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")
            assert WRONG not in str(cursor.fetchall()), model.__name__


def test_a_success_after_failures_keeps_the_failures_in_the_log(client, bob):
    _sign_in(client, bob.username, WRONG)
    _sign_in(client, bob.username)
    assert not AccessAttempt.objects.exists()  # the lock-out counter starts again
    assert AccessFailureLog.objects.filter(username=bob.username).count() == 1
    assert AccessLog.objects.filter(username=bob.username).count() == 1


@pytest.mark.parametrize("model", [AccessLog, AccessFailureLog, AccessAttempt])
def test_only_administrators_read_the_log_in_the_admin_and_nobody_changes_it(client, world, bob, model):
    _sign_in(client, bob.username, WRONG)
    if model is not AccessAttempt:  # which a success clears
        _sign_in(client, bob.username)
    entry = model.objects.get()
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    client.force_login(world.personas["superuser"])
    response = client.get(changelist)
    assert response.status_code == 200
    assert bob.username in response.content.decode()
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[entry.pk])
    client.post(change, {"username": "someone-else"})
    assert model.objects.get(pk=entry.pk).username == bob.username
    assert WRONG not in client.get(change).content.decode()
    # A safety lead may use the admin for reference data, but not read the sign-in log.
    client.force_login(world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"])
    assert client.get(changelist).status_code == 403
    assert opts.verbose_name_plural.lower() not in client.get(reverse("admin:index")).content.decode().lower()
