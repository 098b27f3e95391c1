"""Workbooks built in the background while the user watches their progress: the LMNS-wide
compliance board workbook (assurance.workbooks) and the quality board pack (quality.board_packs).

The task acknowledges late and is put back on the queue if its worker process dies, so a
job interrupted part-way is run again from the start; claiming the job in one statement
means a finished job is never built twice. Each job has one file name, overwritten by a
run again, so an interrupted run that had already written its file leaves no second copy.
A job delivered twice at once (to two workers) is built by one of them only.

A whole worker killed (its main process too) takes its unacknowledged message with it until
the broker's visibility timeout passes (settings.CELERY_BROKER_TRANSPORT_OPTIONS), and the
job stops moving. ``stale_jobs_requeue``, run by beat, puts such a job back on the queue
once, and fails it if the second run stops too.
"""

import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone
from openpyxl import Workbook

from lmns import outbox
from lmns.models import ExportJob, ExportStatus

logger = logging.getLogger(__name__)

# A job put back on the queue this many times without finishing is failed.
MAX_ATTEMPTS = 3

# Building the sheets is most of the work; saving the file takes the rest.
BUILT_PERCENT = 90

Progress = Callable[[int, int], None]

WORKING = (ExportStatus.QUEUED, ExportStatus.RUNNING)

STOPPED_TWICE = (
    "This could not be built: the background service stopped twice while building it. "
    "Please ask for it again; if it stops again, tell your system administrator."
)


class JobRefused(Exception):
    """Raised by a job's ``build`` when the job must not be built; its message, written for the
    user, is recorded on the job. Running it again would be refused again, so it is not raised
    further."""


def export_job_run(
    *, jobs, what: str, build: Callable[[object, Progress], Workbook], filename: Callable[[object], str]
) -> None:
    """Build and store the workbook of the one job in ``jobs`` (a queryset of one pk).

    ``build(job, progress)`` makes the workbook, calling ``progress(done, total)`` as it goes;
    ``filename(job)`` names the file. A failure is recorded on the job in words fit for the
    user ("The ``what`` could not be built"), with the details in the log, and raised again;
    a ``JobRefused`` is recorded in its own words.
    """
    pk = jobs.values_list("pk", flat=True).first()
    if pk is None:
        return
    with _building(jobs.model, pk) as ours:
        if not ours:
            logger.info("%s job %s is being built by another worker", what.capitalize(), pk)
            return
        _run(jobs, what=what, build=build, filename=filename)


@contextmanager
def _building(model, pk: int) -> Iterator[bool]:
    """Whether this run may build the job: False while another run holds it.

    The claim below cannot tell a job left "running" by a worker that died (to build again)
    from one another worker is building now. A PostgreSQL session lock can: it is released
    when the connection closes, which a dying worker's does. SQLite runs no real workers.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    key = f"{model._meta.db_table}:{pk}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        ours = cursor.fetchone()[0]
    try:
        yield ours
    finally:
        if ours:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def _run(jobs, *, what, build, filename) -> None:
    # Only a job waiting or running: a done or failed one is final, even when the broker
    # hands back a dead worker's message later (after stale_jobs_requeue failed the job, say).
    claimed = jobs.filter(status__in=WORKING).update(
        status=ExportStatus.RUNNING,
        progress=0,
        error="",
        attempts=F("attempts") + 1,
        heartbeat_at=timezone.now(),
    )
    if not claimed:
        return
    job = jobs.get()
    if job.attempts > MAX_ATTEMPTS:
        # Each attempt was cut off (a worker killed, perhaps for running out of memory):
        # stop, rather than take a worker down again and again.
        logger.error("%s job %s stopped after %s attempts", what.capitalize(), job.pk, MAX_ATTEMPTS)
        jobs.update(
            status=ExportStatus.FAILED,
            error=f"The {what} could not be built: it was stopped part-way {MAX_ATTEMPTS} times. "
            "Tell your system administrator.",
            finished_at=timezone.now(),
        )
        return
    reported = 0

    def progress(done: int, total: int) -> None:
        nonlocal reported
        percent = BUILT_PERCENT * done // total
        if percent > reported:  # at most one save per step
            jobs.update(progress=percent, heartbeat_at=timezone.now())
            reported = percent

    try:
        workbook = build(job, progress)
        # In a folder of the job's own, so that no other job's file can share the name.
        name = f"{job.pk}/{filename(job)}"
        job.file.storage.delete(job.file.field.generate_filename(job, name))
        # Through a temporary file, not memory: the workbook may be large.
        with tempfile.TemporaryFile() as buffer:
            workbook.save(buffer)
            buffer.seek(0)
            job.file.save(name, File(buffer, name=name), save=False)
        job.status, job.progress, job.finished_at = ExportStatus.DONE, 100, timezone.now()
        job.save(update_fields=["file", "status", "progress", "finished_at"])
    except JobRefused as refusal:
        logger.warning("%s job %s refused: %s", what.capitalize(), job.pk, refusal)
        jobs.update(status=ExportStatus.FAILED, error=str(refusal), finished_at=timezone.now())
    except Exception as error:
        logger.exception("%s job %s failed", what.capitalize(), job.pk)
        jobs.update(
            status=ExportStatus.FAILED,
            error=f"The {what} could not be built ({type(error).__name__}). Please try again.",
            finished_at=timezone.now(),
        )
        raise


def stale_jobs_requeue() -> tuple[int, int]:
    """Put back on the queue each export job that has shown no sign of life for
    ``settings.JOB_STALE_AFTER`` seconds, once; fail one that stops again. Returns how many
    were put back and how many failed."""
    before = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER)
    outcomes = [
        stale_job_requeue(job, before=before)
        for model in apps.get_models()
        if issubclass(model, ExportJob)
        for job in model.objects.filter(_stuck(before)).order_by("pk")
    ]
    return outcomes.count(ExportStatus.QUEUED), outcomes.count(ExportStatus.FAILED)


def _stuck(before) -> Q:
    # Unsent jobs (sent_at empty) are the outbox's to send; a job is stuck only once sent.
    return Q(status__in=WORKING) & (Q(heartbeat_at__lt=before) | Q(heartbeat_at=None, sent_at__lt=before))


def stale_job_requeue(job: ExportJob, *, before) -> str | None:
    """Put ``job``, seen stuck since before ``before``, back on the queue if it has not been
    yet, else fail it; returns its new status, or None if another run got there first.

    Each change is one conditional UPDATE that says again what was seen (still stuck, put
    back or not), so that two runs at once (two beats, or a run racing the job's own worker)
    change a job once: the second finds nothing to update.
    """
    model, now = type(job), timezone.now()
    this = model.objects.filter(_stuck(before), pk=job.pk)
    if job.requeues == 0:
        if not this.filter(requeues=0).update(
            status=ExportStatus.QUEUED, progress=0, requeues=1, sent_at=None, heartbeat_at=now
        ):
            return None
        logger.warning("%s %s stopped moving; put back on the queue", model.__name__, job.pk)
        # If the broker cannot be reached, the outbox sends it when it is back.
        outbox.job_send(job)
        return ExportStatus.QUEUED
    if not this.filter(requeues__gte=1).update(
        status=ExportStatus.FAILED, error=STOPPED_TWICE, finished_at=now
    ):
        return None
    logger.error("%s %s stopped moving again; failed", model.__name__, job.pk)
    return ExportStatus.FAILED
