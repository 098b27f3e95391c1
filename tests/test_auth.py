import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from lmns import sessions
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _sign_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_sign_in_lands_on_home(client, bob):
    response = _sign_in(client, bob.username)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_shows_the_error_summary(client, bob):
    response = _sign_in(client, bob.username, "not-the-password")
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "<title>Error: Sign in" in body


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, bob):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, bob.username, "guess-again-wrong")
    response = _sign_in(client, bob.username)
    assert response.status_code == 429
    assert "locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_session_expires_when_idle_and_at_browser_close(client, bob):
    _sign_in(client, bob.username)
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE <= 60 * 60


def test_sign_out_needs_a_post_and_ends_the_session(client, bob):
    client.force_login(bob)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_password_reset_by_email_round_trip(client, django_capture_on_commit_callbacks):
    user = make_user(email="midwife@example.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "midwife@example.invalid"})
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)

    form_url = client.get(link).url  # Django swaps the token for a session key first.
    weak = client.post(form_url, {"new_password1": "password", "new_password2": "password"})
    assert "This password is too short" in weak.content.decode()
    strong = "a-long-new-passphrase-2026"
    done = client.post(form_url, {"new_password1": strong, "new_password2": strong})
    assert done.url == reverse("password_reset_complete")
    assert _sign_in(client, user.username, strong).url == reverse("home")


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.invalid"})
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_change_requires_strong_passwords(client, bob):
    client.force_login(bob)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    body = response.content.decode()
    assert "This password is entirely numeric." in body
    assert "There is a problem" in body


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_session_in_use_is_saved_at_most_once_a_minute(client, bob, monkeypatch):
    clock = [1_800_000_000.0]
    monkeypatch.setattr(sessions.time, "time", lambda: clock[0])
    client.force_login(bob)
    # The first sight of home keeps the navigation's work counts in the session (quality.work);
    # it is saved again only when they change.
    assert client.get(reverse("home")).status_code == 200
    signed_in = _expiry(client)

    clock[0] += sessions.REFRESH_SECONDS - 1
    assert client.get(reverse("home")).status_code == 200
    assert _expiry(client) == signed_in  # within the minute: no write

    clock[0] += 1
    assert client.get(reverse("home")).status_code == 200
    assert _expiry(client) > signed_in  # a minute on: the idle limit starts again
    assert client.session["_saved_at"] == clock[0]


def test_an_idle_session_still_ends(client, bob):
    client.force_login(bob)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(reverse("home")).status_code == 302
