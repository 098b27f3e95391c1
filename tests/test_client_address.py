"""Behind the load balancer (PROXY_COUNT=1) the client's address is the right-most entry of
X-Forwarded-For, for sign-in lock-out and the rate limits alike (lmns.client)."""

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse

from lmns.client import client_address
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

BALANCER = "10.0.0.5"
ATTACKER = "203.0.113.66"
MIDWIFE = "198.51.100.7"


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings):
    settings.PROXY_COUNT = 1


def _sign_in(client, username, password, *, forwarded):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=BALANCER,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_failures_from_one_client_lock_out_only_that_client_and_username(client, bob, alice):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, bob.username, "guess-again-wrong", forwarded=ATTACKER)
    assert _sign_in(client, bob.username, PASSWORD, forwarded=ATTACKER).status_code == 429

    # Bob at his own computer, through the same load balancer, is not locked out...
    response = _sign_in(client, bob.username, PASSWORD, forwarded=MIDWIFE)
    assert response.status_code == 302 and response.url == reverse("home")
    client.post(reverse("logout"))
    # ...nor is another user from the attacker's address.
    assert _sign_in(client, alice.username, PASSWORD, forwarded=ATTACKER).status_code == 302


def test_a_spoofed_left_entry_does_not_choose_the_address(client, bob):
    # The attacker writes the midwife's address first; the balancer appends the real one.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, bob.username, "guess-again-wrong", forwarded=f"{MIDWIFE}, {ATTACKER}")
    assert _sign_in(client, bob.username, PASSWORD, forwarded=f"{MIDWIFE}, {ATTACKER}").status_code == 429
    assert _sign_in(client, bob.username, PASSWORD, forwarded=MIDWIFE).status_code == 302


def test_the_sign_in_log_records_the_clients_address_not_the_balancers(client, bob):
    _sign_in(client, bob.username, "guess-again-wrong", forwarded=f"{MIDWIFE}, {ATTACKER}")
    _sign_in(client, bob.username, PASSWORD, forwarded=MIDWIFE)
    assert list(AccessFailureLog.objects.values_list("ip_address", flat=True)) == [ATTACKER]
    assert list(AccessLog.objects.values_list("ip_address", flat=True)) == [MIDWIFE]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, f"{MIDWIFE}, {ATTACKER}", BALANCER),  # no proxy: the header is the client's own words
        (1, f"{MIDWIFE}, {ATTACKER}", ATTACKER),
        (2, f"{MIDWIFE}, {ATTACKER}, 10.0.0.9", ATTACKER),
        (1, "", BALANCER),  # did not come through the balancer
        (2, ATTACKER, BALANCER),  # came past only one of two
        (1, "not-an-address", BALANCER),
    ],
)
def test_the_client_is_the_proxy_count_th_address_from_the_right(settings, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
