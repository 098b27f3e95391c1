"""LMNS-wide board workbooks, built in the background while the user watches the progress.

The task runs with acks_late, so a worker that dies part-way leaves the job to be run
again from the start; a job that is already done is left alone.
"""

import logging
import tempfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from assurance.exports import board_workbook
from assurance.models import BoardWorkbookJob, ExportStatus, Framework
from lmns.models import Lmns, Provider

logger = logging.getLogger(__name__)

# Building the sheets is most of the work; saving the file takes the rest.
BUILT_PERCENT = 90


@transaction.atomic
def board_workbook_job_start(*, lmns: Lmns, framework: Framework, by) -> BoardWorkbookJob:
    """Queue an LMNS-wide board workbook, or return the one already queued or being built.

    The caller checks that ``by`` may see every provider of ``lmns``.
    """
    from assurance.tasks import build_board_workbook

    unfinished = BoardWorkbookJob.objects.filter(
        lmns=lmns, framework=framework, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).first()
    if unfinished:
        return unfinished
    job = BoardWorkbookJob.objects.create(lmns=lmns, framework=framework, requested_by=by)
    build_board_workbook.delay_on_commit(job.pk)
    return job


def board_workbook_job_run(*, job_id: int) -> None:
    """Build the job's workbook for every provider of its LMNS and store it."""
    jobs = BoardWorkbookJob.objects.filter(pk=job_id)
    # Claimed in one statement, so a finished job is never built again.
    if not jobs.exclude(status=ExportStatus.DONE).update(status=ExportStatus.RUNNING, progress=0, error=""):
        return
    job = jobs.select_related("lmns", "framework", "requested_by").get()
    reported = 0

    def progress(done: int, total: int) -> None:
        nonlocal reported
        percent = BUILT_PERCENT * done // total
        if percent > reported:  # at most one save per provider
            jobs.update(progress=percent)
            reported = percent

    try:
        providers = list(Provider.objects.filter(lmns=job.lmns).order_by("name"))
        workbook = board_workbook(
            framework=job.framework,
            providers=providers,
            lmns=job.lmns,
            generated_by=job.requested_by,
            progress=progress,
        )
        started = timezone.localtime(job.requested_at)
        name = f"board-{job.framework.slug}-{job.lmns.code}-{started:%Y%m%d-%H%M%S}.xlsx"
        # Through a temporary file, not memory: the workbook may be large.
        with tempfile.TemporaryFile() as buffer:
            workbook.save(buffer)
            buffer.seek(0)
            job.file.save(name, File(buffer, name=name), save=False)
        job.status, job.progress, job.finished_at = ExportStatus.DONE, 100, timezone.now()
        job.save(update_fields=["file", "status", "progress", "finished_at"])
    except Exception as error:
        logger.exception("Board workbook job %s failed", job_id)
        jobs.update(
            status=ExportStatus.FAILED,
            error=f"The workbook could not be built ({type(error).__name__}). Please try again.",
            finished_at=timezone.now(),
        )
        raise
