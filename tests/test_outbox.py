"""The broker down when work is queued: the request succeeds, the work is kept, the page
says it is waiting, and it is sent when the broker is back (lmns.outbox).

In-process, the broker's refusal is kombu's OperationalError from apply_async; in the
services run it is a real connection to a closed port.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assurance.models import BoardWorkbookJob, ExportStatus
from lmns import services
from lmns.models import Role, UnsentEmail
from lmns.outbox import IN_FLIGHT, unsent_resend
from lmns.tasks import resend_unsent
from tests.assurance.test_exports import build_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


def _start_workbook(client, world, officer, capture):
    framework = build_framework("mis-outbox")
    client.force_login(officer)
    with capture(execute=True):
        response = client.post(
            reverse("assurance:workbook-start", kwargs={"slug": framework.slug}), {"lmns": world.lmns_a.pk}
        )
    job = BoardWorkbookJob.objects.get(framework=framework)
    assert response.url == job.get_absolute_url()
    return job


def test_a_job_queued_while_the_broker_is_down_waits_and_then_runs(
    client, world, officer, broker_down, django_capture_on_commit_callbacks
):
    job = _start_workbook(client, world, officer, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.sent_at) == (ExportStatus.QUEUED, None)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Waiting to start" in page
    assert "Your request is kept and will start by itself when the service is back" in page

    # Still down: the periodic resend keeps it for next time.
    older = timezone.now() - IN_FLIGHT - timedelta(seconds=1)
    BoardWorkbookJob.objects.filter(pk=job.pk).update(requested_at=older)
    assert unsent_resend() == 0
    job.refresh_from_db()
    assert (job.status, job.sent_at) == (ExportStatus.QUEUED, None)

    broker_down()  # the broker is back
    assert resend_unsent.delay().get() == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.sent_at is not None
    assert "Download the workbook (xlsx)" in client.get(job.get_absolute_url()).content.decode()
    assert unsent_resend() == 0  # sent once, not again


def test_a_job_just_committed_is_not_sent_twice(
    client, world, officer, broker_down, django_capture_on_commit_callbacks
):
    """Its own request may still be handing it to the broker."""
    _start_workbook(client, world, officer, django_capture_on_commit_callbacks)
    broker_down()
    assert unsent_resend() == 0


def test_a_job_sent_normally_says_nothing_about_waiting(
    client, world, officer, django_capture_on_commit_callbacks
):
    job = _start_workbook(client, world, officer, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.sent_at is not None
    assert "Waiting to start" not in client.get(job.get_absolute_url()).content.decode()


def test_an_email_queued_while_the_broker_is_down_is_kept_and_sent_later(
    broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.email_queue(to=["lead@example.invalid"], subject="Return due", body="See the link.")
    assert mail.outbox == []
    kept = UnsentEmail.objects.get()
    assert (kept.to, kept.subject, kept.message()) == (
        ["lead@example.invalid"],
        "Return due",
        "See the link.",
    )

    assert unsent_resend() == 0
    assert UnsentEmail.objects.count() == 1

    broker_down()
    assert unsent_resend() == 1
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [
        (["lead@example.invalid"], "Return due", "See the link.")
    ]
    assert not UnsentEmail.objects.exists()


@pytest.mark.services
def test_with_a_real_broker_at_a_closed_port_work_is_kept_and_sent_when_it_returns(
    client, world, officer, broker_down, django_capture_on_commit_callbacks
):
    job = _start_workbook(client, world, officer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.email_queue(to=["lead@example.invalid"], subject="Return due", body="See the link.")
    job.refresh_from_db()
    assert (job.status, job.sent_at) == (ExportStatus.QUEUED, None)
    assert "Waiting to start" in client.get(job.get_absolute_url()).content.decode()
    assert UnsentEmail.objects.count() == 1

    broker_down()
    # The job is left out: this test's records are never committed, so no worker could read
    # it. The email is handed to the real broker, and a worker sends it.
    job.delete()
    assert unsent_resend() == 1
    assert not UnsentEmail.objects.exists()
