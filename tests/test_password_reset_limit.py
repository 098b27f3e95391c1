"""Password reset requests are limited per client address and per email address, and the
page that follows is the same whether an email was sent, refused by a limit, or had no
account to go to (lmns.password_reset)."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from lmns import password_reset
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NURSE = "198.51.100.7"
ATTACKER = "203.0.113.66"


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    # The counts live in the cache, which outlives a test: start and leave it empty.
    settings.PROXY_COUNT = 1
    cache.clear()
    yield
    cache.clear()


def _ask(client, email, *, address, capture):
    with capture(execute=True):
        return client.post(
            reverse("password_reset"), {"email": email}, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=address
        )


def test_one_email_address_gets_only_a_few_links_an_hour(client, django_capture_on_commit_callbacks):
    make_user(email="midwife@example.invalid")
    make_user(email="matron@example.invalid")
    responses = [
        _ask(
            client,
            "midwife@example.invalid",
            address=f"203.0.113.{n}",
            capture=django_capture_on_commit_callbacks,
        )
        for n in range(password_reset.PER_EMAIL + 2)
    ]
    assert len(mail.outbox) == password_reset.PER_EMAIL
    # Refused or not, the answer is the same "check your email" page.
    assert {(r.status_code, r.url) for r in responses} == {(302, reverse("password_reset_done"))}
    # Differently written, the same address.
    _ask(client, " Midwife@Example.INVALID ", address=NURSE, capture=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == password_reset.PER_EMAIL

    _ask(client, "matron@example.invalid", address=NURSE, capture=django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["matron@example.invalid"]


def test_one_client_gets_only_so_many_requests_an_hour(client, django_capture_on_commit_callbacks):
    make_user(email="midwife@example.invalid")
    for n in range(password_reset.PER_ADDRESS):
        _ask(
            client, f"nobody{n}@example.invalid", address=ATTACKER, capture=django_capture_on_commit_callbacks
        )
    response = _ask(
        client, "midwife@example.invalid", address=ATTACKER, capture=django_capture_on_commit_callbacks
    )
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []
    # A spoofed left-most entry does not make the attacker someone else...
    _ask(
        client,
        "midwife@example.invalid",
        address=f"{NURSE}, {ATTACKER}",
        capture=django_capture_on_commit_callbacks,
    )
    assert mail.outbox == []
    # ...and the midwife, from her own address, still gets her link.
    _ask(client, "midwife@example.invalid", address=NURSE, capture=django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["midwife@example.invalid"]]


def test_the_page_after_a_refused_request_is_the_page_after_any_other(
    client, django_capture_on_commit_callbacks
):
    make_user(email="midwife@example.invalid")
    for _ in range(password_reset.PER_EMAIL):
        _ask(client, "midwife@example.invalid", address=NURSE, capture=django_capture_on_commit_callbacks)
    refused = _ask(
        client, "midwife@example.invalid", address=NURSE, capture=django_capture_on_commit_callbacks
    )
    unknown = _ask(
        client, "nobody@example.invalid", address=NURSE, capture=django_capture_on_commit_callbacks
    )
    assert (refused.status_code, refused.url) == (unknown.status_code, unknown.url)
    assert client.get(refused.url).content == client.get(unknown.url).content
