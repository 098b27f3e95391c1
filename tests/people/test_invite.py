"""Joiners: an invitation by email with a single-use, expiring link to choose a password."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from lmns.models import Membership, Role, UnsentEmail
from lmns.people import services
from lmns.people.forms import OrganisationField

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "a-long-new-password-2026"


def _invite(client, region, django_capture_on_commit_callbacks, **changes):
    data = {
        "first_name": "Nia",
        "last_name": "New",
        "email": "Nia.New@Example.invalid",
        "organisation": OrganisationField.key(region.a1),
        "role": Role.PROVIDER_LEAD,
        **changes,
    }
    client.force_login(region.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("people:invite"), data)


def _link(message) -> str:
    return (
        re.search(r"https?://\S+/accounts/reset/\S+/", message.body)
        .group(0)
        .split("://", 1)[1]
        .split("/", 1)[1]
    )


def test_an_invited_person_gets_an_account_they_cannot_use_until_they_choose_a_password(
    client, region, django_capture_on_commit_callbacks
):
    # Fields the form does not have are ignored: an invitation never makes a superuser.
    response = _invite(client, region, django_capture_on_commit_callbacks, is_superuser="on", is_staff="on")
    person = User.objects.get(username="nia.new@example.invalid")
    assert response.status_code == 302 and response.url == reverse("people:detail", kwargs={"pk": person.pk})
    assert (person.email, person.get_full_name(), person.is_active) == (
        "nia.new@example.invalid",
        "Nia New",
        True,
    )
    assert not person.has_usable_password() and not person.is_superuser and not person.is_staff
    assert Membership.objects.get(user=person).organisation == region.a1
    (message,) = mail.outbox
    assert message.to == ["nia.new@example.invalid"]
    assert "Your username is nia.new@example.invalid" in message.body
    assert "expires after 1\xa0hour" in message.body


def test_the_link_sets_the_password_once(client, region, django_capture_on_commit_callbacks):
    _invite(client, region, django_capture_on_commit_callbacks)
    link = "/" + _link(mail.outbox[0])
    client.logout()
    set_password = client.get(link)
    assert set_password.status_code == 302  # Django swaps the token into the session
    page = client.get(set_password.url)
    assert "Choose a new password" in page.content.decode()
    done = client.post(set_password.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    signed_in = client.post(
        reverse("login"), {"username": "nia.new@example.invalid", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in.url == reverse("home")
    client.logout()
    again = client.get(link, follow=True)
    assert "This link has expired or been used" in again.content.decode()


def test_the_link_expires(client, region, settings, django_capture_on_commit_callbacks):
    _invite(client, region, django_capture_on_commit_callbacks)
    link = "/" + _link(mail.outbox[0])
    client.logout()
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 5)):
        response = client.get(link, follow=True)
    assert "This link has expired or been used" in response.content.decode()
    assert not User.objects.get(username="nia.new@example.invalid").has_usable_password()


def test_no_link_waits_at_rest_while_the_broker_is_down_and_it_can_be_sent_again(
    client, region, broker_down, django_capture_on_commit_callbacks
):
    back = broker_down
    _invite(client, region, django_capture_on_commit_callbacks)
    person = User.objects.get(username="nia.new@example.invalid")
    assert not mail.outbox and not UnsentEmail.objects.exists()
    back()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:invitation-resend", kwargs={"pk": person.pk}))
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [person.email]


def test_no_invitation_goes_to_someone_who_has_chosen_a_password(
    client, region, django_capture_on_commit_callbacks
):
    client.force_login(region.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("people:invitation-resend", kwargs={"pk": region.midwife.pk}), follow=True
        )
    assert "has already chosen a password" in response.content.decode()
    assert not mail.outbox
    assert services.invitation_send(user_id=region.midwife.pk) == 0


def test_an_existing_email_address_is_refused_clearly(client, region, django_capture_on_commit_callbacks):
    response = _invite(
        client, region, django_capture_on_commit_callbacks, email="BADGER-lead@example.invalid"
    )
    assert response.status_code == 200
    assert "Someone already has an account with this email address" in response.content.decode()
    assert not mail.outbox
    assert not region.a1.memberships.filter(user=region.badger).exists()


def test_a_role_at_the_wrong_level_is_refused_and_nothing_is_kept(
    client, region, django_capture_on_commit_callbacks
):
    response = _invite(client, region, django_capture_on_commit_callbacks, role=Role.LMNS_OFFICER)
    assert response.status_code == 200
    assert "LMNS officer is an LMNS role; choose an LMNS." in response.content.decode()
    assert not User.objects.filter(username="nia.new@example.invalid").exists()
    assert not mail.outbox
