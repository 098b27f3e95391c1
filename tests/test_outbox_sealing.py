"""An email held while the broker is down is kept encrypted (lmns.sealing): a password
reset link never sits readable in the database, and every held email is still sent."""

import importlib
import logging
import re

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.urls import reverse

from lmns.models import UnsentEmail
from lmns.outbox import unsent_resend
from tests.factories import make_user

pytestmark = pytest.mark.django_db

seal_migration = importlib.import_module("lmns.migrations.0008_seal_held_email_bodies")


def _stored_rows() -> str:
    """Everything the table holds, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {UnsentEmail._meta.db_table}")
        return repr(cursor.fetchall())


def test_a_held_reset_email_keeps_no_link_in_clear_and_is_sent_when_the_broker_is_back(
    client, broker_down, django_capture_on_commit_callbacks
):
    user = make_user(email="midwife@example.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "midwife@example.invalid"})
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == [] and UnsentEmail.objects.count() == 1

    stored = _stored_rows()
    assert "/accounts/reset/" not in stored
    assert "http" not in stored

    broker_down()  # the broker is back
    assert unsent_resend() == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url
    new_password = "a-long-new-passphrase-2026"
    done = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert done.url == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_emails_held_in_clear_before_sealing_are_sealed_by_the_migration_and_still_sent():
    UnsentEmail.objects.create(to=["lead@example.invalid"], subject="Return due", body="http://x/reset/abc")
    seal_migration.seal_bodies(apps, None)
    assert "http://x/reset/abc" not in _stored_rows()

    assert unsent_resend() == 1
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [
        (["lead@example.invalid"], "Return due", "http://x/reset/abc")
    ]


def test_the_migration_can_be_undone():
    email = UnsentEmail.hold(to=["lead@example.invalid"], subject="Return due", body="See the link.")
    seal_migration.unseal_bodies(apps, None)
    email.refresh_from_db()
    assert email.body == "See the link."


def test_a_rotated_secret_key_kept_as_a_fallback_still_opens_held_emails(settings):
    UnsentEmail.hold(to=["lead@example.invalid"], subject="Return due", body="See the link.")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-of-at-least-fifty-characters"
    assert unsent_resend() == 1
    assert mail.outbox[0].body == "See the link."


def test_an_email_no_key_opens_is_dropped_and_logged_without_stopping_the_rest(settings, caplog):
    UnsentEmail.hold(to=["lead@example.invalid"], subject="Lost", body="Sealed with the old key.")
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-of-at-least-fifty-characters"
    UnsentEmail.hold(to=["lead@example.invalid"], subject="Return due", body="See the link.")
    with caplog.at_level(logging.ERROR, logger="lmns.outbox"):
        assert unsent_resend() == 1
    assert [m.subject for m in mail.outbox] == ["Return due"]
    assert not UnsentEmail.objects.exists()
    assert "cannot be read" in caplog.text and "Sealed with the old key" not in caplog.text
