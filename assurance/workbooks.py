"""LMNS-wide board workbooks, built in the background while the user watches the progress
(lmns.jobs runs them: late acknowledgement, claimed once, failures said in words)."""

from django.db import transaction
from django.utils import timezone

from assurance.exports import board_workbook
from assurance.models import BoardWorkbookJob, ExportStatus, Framework
from lmns.jobs import export_job_run
from lmns.models import Lmns, Provider
from lmns.outbox import job_send_on_commit


@transaction.atomic
def board_workbook_job_start(*, lmns: Lmns, framework: Framework, by) -> BoardWorkbookJob:
    """Queue an LMNS-wide board workbook, or return the one already queued or being built.

    The caller checks that ``by`` may see every provider of ``lmns``.
    """
    unfinished = BoardWorkbookJob.objects.filter(
        lmns=lmns, framework=framework, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).first()
    if unfinished:
        return unfinished
    job = BoardWorkbookJob.objects.create(lmns=lmns, framework=framework, requested_by=by)
    job_send_on_commit(job)
    return job


def board_workbook_job_run(*, job_id: int) -> None:
    """Build the job's workbook for every provider of its LMNS and store it."""

    def build(job, progress):
        return board_workbook(
            framework=job.framework,
            providers=list(Provider.objects.filter(lmns=job.lmns).order_by("name")),
            lmns=job.lmns,
            generated_by=job.requested_by,
            progress=progress,
        )

    def filename(job):
        started = timezone.localtime(job.requested_at)
        return f"board-{job.framework.slug}-{job.lmns.code}-{started:%Y%m%d-%H%M%S}.xlsx"

    export_job_run(
        jobs=BoardWorkbookJob.objects.filter(pk=job_id).select_related("lmns", "framework", "requested_by"),
        what="workbook",
        build=build,
        filename=filename,
    )
