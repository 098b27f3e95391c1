import threading
import time

import pytest
from django.db.utils import OperationalError
from django.urls import reverse

from lmns import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_answers(monkeypatch):
    monkeypatch.setattr(health, "_recent", {})


def test_healthz_answers_without_sign_in(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"
    assert response.json()["cache"] == "ok"
    assert response.json()["storage"] == "ok"


def test_healthz_reports_a_database_failure(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_healthz_reports_an_unreachable_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"


@pytest.mark.services
def test_healthz_reaches_the_real_broker_and_a_worker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert (response.json()["broker"], response.json()["worker"]) == ("ok", "ok")


def test_healthz_says_no_worker_is_needed_when_tasks_run_in_process(client, settings):
    settings.CELERY_BROKER_URL = ""
    assert client.get(reverse("healthz")).json()["worker"] == "not configured (tasks run in-process)"


@pytest.fixture
def broker_answers(settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://broker.invalid:6379/0"
    monkeypatch.setattr(health, "broker_ok", lambda: True)


def test_healthz_says_a_worker_answers(client, broker_answers, monkeypatch):
    monkeypatch.setattr(health.celery_app.control, "ping", lambda **kwargs: [{"w1@host": {"ok": "pong"}}])
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.json()["worker"]) == (200, "ok")


def test_no_worker_answering_is_reported_but_pages_are_still_served(client, broker_answers, monkeypatch):
    monkeypatch.setattr(health.celery_app.control, "ping", lambda **kwargs: [])
    response = client.get(reverse("healthz"))
    assert response.json()["worker"] == "unavailable"
    # Work waits for a worker; the load balancer must not take the web machines out for it.
    assert (response.status_code, response.json()["status"]) == (200, "ok")


def test_no_worker_is_asked_through_an_unreachable_broker(client, settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(health, "worker_ok", lambda: pytest.fail("pinged through a dead broker"))
    assert client.get(reverse("healthz")).json()["worker"] == "unavailable"


def test_a_hung_check_answers_unavailable_within_the_timeout(client, broker_answers, monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(health, "CHECK_TIMEOUT", 0.2)
    monkeypatch.setattr(health.celery_app.control, "ping", lambda **kwargs: release.wait(30))
    try:
        started = time.monotonic()
        response = client.get(reverse("healthz"))
        assert time.monotonic() - started < 2
        assert response.json()["worker"] == "unavailable"
    finally:
        release.set()


def test_a_check_is_remembered_briefly(client, broker_answers, monkeypatch):
    pings = []
    monkeypatch.setattr(
        health.celery_app.control, "ping", lambda **kwargs: pings.append(1) or [{"w": "pong"}]
    )
    client.get(reverse("healthz"))
    client.get(reverse("healthz"))
    assert len(pings) == 1
    monkeypatch.setattr(health, "_recent", {k: (0, v[1]) for k, v in health._recent.items()})  # expired
    client.get(reverse("healthz"))
    assert len(pings) == 2


def test_healthz_reports_a_cache_that_does_not_answer(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.json()["cache"]) == (503, "unavailable")


def test_healthz_reports_file_storage_that_cannot_be_written(client, settings, tmp_path):
    unwritable = tmp_path / "media"
    unwritable.write_text("a file, not a folder")
    settings.MEDIA_ROOT = unwritable
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.json()["storage"]) == (503, "unavailable")


def test_healthz_reports_an_unreachable_bucket_without_waiting_for_it(client, settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "lmns-healthz",
                "endpoint_url": "http://127.0.0.1:1",
                "region_name": "eu-west-2",
            },
        },
    }
    started = time.monotonic()
    response = client.get(reverse("healthz"))
    assert time.monotonic() - started < health.CHECK_TIMEOUT + 1
    assert (response.status_code, response.json()["storage"]) == (503, "unavailable")
