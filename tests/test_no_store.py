"""No page the application draws may be kept by a browser or shared cache: NHS staff share
ward and office computers (lmns.middleware.NoStoreMiddleware). Static files stay cacheable."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("incidents:incident-list"),
        reverse("lmns:quality"),
        reverse("tokens:list"),
        reverse("password_change"),
        "/api/v1/incidents/",
        "/incidents/no-such-page/",  # a 404 drawn for a signed-in user
    ],
)
def test_every_page_for_a_signed_in_user_is_no_store(client, alice, url):
    client.force_login(alice)
    assert _no_store(client.get(url))


def test_a_form_post_and_its_redirect_are_no_store(client, alice):
    client.force_login(alice)
    assert _no_store(client.post(reverse("logout")))


@pytest.mark.parametrize(
    "name",
    ["login", "password_reset", "password_reset_done", "password_reset_complete", "workforce:speak-up"],
)
def test_the_sign_in_and_reset_pages_are_no_store(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert _no_store(response)


def test_a_reset_link_page_is_no_store(client):
    assert _no_store(
        client.get(reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "set-password"}))
    )


def test_static_files_stay_cacheable(settings, alice):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client = Client()  # loads WhiteNoise afresh, with the finders
    client.force_login(alice)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert not _no_store(response)
