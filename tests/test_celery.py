import pytest
from django.core import mail

from lmns import services
from lmns.tasks import send_email

pytestmark = pytest.mark.django_db


def test_queued_email_is_sent_after_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.email_queue(to=["lead@example.invalid"], subject="Reminder", body="See the link.")
        assert mail.outbox == []  # nothing leaves before commit
    for callback in callbacks:
        callback()
    assert [m.subject for m in mail.outbox] == ["Reminder"]


def test_send_email_task_calls_the_service(monkeypatch):
    calls = []
    monkeypatch.setattr(services, "email_send", lambda **kwargs: calls.append(kwargs) or 1)
    assert send_email.delay(to=["a@example.invalid"], subject="s", body="b").get() == 1
    assert calls == [{"to": ["a@example.invalid"], "subject": "s", "body": "b"}]


@pytest.mark.services
def test_email_task_round_trip_through_a_real_worker():
    result = send_email.delay(to=["round-trip@example.invalid"], subject="Round trip", body="From a worker.")
    assert result.get(timeout=60) == 1
    # The worker sent it, not this process.
    assert mail.outbox == []
