"""Export jobs whose worker died: beat puts each back on the queue once, then fails it
(lmns.jobs.stale_jobs_requeue). The real worker killed is tests/test_worker_loss.py."""

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from lmns import outbox
from lmns.jobs import STOPPED_TWICE, export_job_run, stale_job_requeue, stale_jobs_requeue
from lmns.models import BoardPackJob, ExportStatus, Role
from tests.factories import make_lmns, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """The tasks handed to the broker, by job pk; nothing is run."""
    calls = []
    monkeypatch.setattr(outbox, "task_send", lambda name, pk: calls.append(pk) or True)
    return calls


def _job(*, status=ExportStatus.RUNNING, quiet_for=timedelta(hours=1), **fields) -> BoardPackJob:
    lmns = make_lmns()
    job = BoardPackJob.objects.create(
        lmns=lmns,
        requested_by=make_user(role=Role.LMNS_OFFICER, lmns=lmns),
        month=datetime.date(2026, 10, 1),
        status=status,
        **fields,
    )
    then = timezone.now() - quiet_for
    BoardPackJob.objects.filter(pk=job.pk).update(sent_at=then, heartbeat_at=then)
    return job


def test_a_job_whose_worker_died_is_put_back_on_the_queue_once(sent):
    job = _job(progress=40)

    assert stale_jobs_requeue() == (1, 0)
    job.refresh_from_db()
    assert (job.status, job.progress, job.requeues) == (ExportStatus.QUEUED, 0, 1)
    assert sent == [job.pk]
    # Sent again, so it has a fresh sign of life: the next beat leaves it alone.
    assert stale_jobs_requeue() == (0, 0)
    assert sent == [job.pk]


def test_a_job_that_stops_again_after_being_put_back_fails_and_stays_failed(sent):
    job = _job(requeues=1)

    assert stale_jobs_requeue() == (0, 1)
    job.refresh_from_db()
    assert (job.status, job.error) == (ExportStatus.FAILED, STOPPED_TWICE)
    assert job.finished_at is not None
    assert sent == []

    # The broker hands back the dead worker's message later: the job is not built.
    def build(job, progress):
        raise AssertionError("a failed job was built")

    export_job_run(jobs=BoardPackJob.objects.filter(pk=job.pk), what="board pack", build=build, filename=str)
    assert BoardPackJob.objects.get(pk=job.pk).status == ExportStatus.FAILED


def test_a_queued_job_never_started_is_put_back_too(sent):
    job = _job(status=ExportStatus.QUEUED)
    assert stale_jobs_requeue() == (1, 0)
    assert sent == [job.pk]


@pytest.mark.parametrize(
    "fields",
    [
        {"quiet_for": timedelta(minutes=1)},  # still moving
        {"status": ExportStatus.DONE},
        {"status": ExportStatus.FAILED},
    ],
)
def test_jobs_moving_or_finished_are_left_alone(sent, fields):
    job = _job(**fields)
    before = BoardPackJob.objects.values().get(pk=job.pk)
    assert stale_jobs_requeue() == (0, 0)
    assert BoardPackJob.objects.values().get(pk=job.pk) == before
    assert sent == []


def test_a_job_never_sent_is_left_to_the_outbox(sent):
    job = _job(status=ExportStatus.QUEUED)
    BoardPackJob.objects.filter(pk=job.pk).update(sent_at=None, heartbeat_at=None)
    assert stale_jobs_requeue() == (0, 0)
    assert sent == []


def test_two_runs_that_both_saw_the_job_stuck_change_it_once(sent):
    job = _job()
    before = timezone.now() - timedelta(minutes=10)
    seen = BoardPackJob.objects.get(pk=job.pk)  # as both runs read it

    assert stale_job_requeue(seen, before=before) == ExportStatus.QUEUED
    assert stale_job_requeue(seen, before=before) is None
    assert sent == [job.pk]
    assert BoardPackJob.objects.get(pk=job.pk).requeues == 1

    # Stuck again: two runs fail it once, and neither puts it back.
    BoardPackJob.objects.filter(pk=job.pk).update(heartbeat_at=before - timedelta(minutes=1))
    seen = BoardPackJob.objects.get(pk=job.pk)
    assert stale_job_requeue(seen, before=before) == ExportStatus.FAILED
    assert stale_job_requeue(seen, before=before) is None
    assert sent == [job.pk]


def test_the_limit_is_a_setting(sent, settings):
    _job(quiet_for=timedelta(minutes=3))
    settings.JOB_STALE_AFTER = 5 * 60
    assert stale_jobs_requeue() == (0, 0)
    settings.JOB_STALE_AFTER = 2 * 60
    assert stale_jobs_requeue() == (1, 0)


def test_progress_is_a_sign_of_life():
    job = _job()
    progressed = []

    def build(job, progress):
        progress(1, 2)
        progressed.append(BoardPackJob.objects.get(pk=job.pk).heartbeat_at)
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError):
        export_job_run(
            jobs=BoardPackJob.objects.filter(pk=job.pk), what="board pack", build=build, filename=str
        )
    assert progressed[0] > timezone.now() - timedelta(seconds=30)
