"""Handing an import's check or apply to Celery, or running it in the request for a small file;
recording a failure, and discarding an import not applied. Shared by every import."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from lmns.imports.models import ImportStatus
from lmns.outbox import task_send

logger = logging.getLogger(__name__)


def queue_task(task_name: str, record, *, status: str, error: str) -> None:
    """Hand the import to a worker once the transaction commits. If the broker cannot be
    reached the import is not left waiting for ever: it is put in ``status`` with ``error``,
    which its page shows."""

    def send():
        if not task_send(task_name, record.pk):
            type(record).objects.filter(pk=record.pk).update(status=status, error=error)

    transaction.on_commit(send)


def run_inline(run, import_id: int) -> None:
    """Run a check or apply in this process. A failure is already logged and recorded on
    the import in words for the user, who sees it on the import's page."""
    try:
        run(import_id=import_id)
    except Exception:
        return


def mark_failed(imports, what: str, error: Exception) -> None:
    """Record on the import (a queryset of one) that it could not be ``what`` ("checked",
    "applied"), in words for its page; the details go to the log, never to the user."""
    logger.error("%s could not be %s", imports.first(), what, exc_info=error)
    imports.update(
        status=ImportStatus.FAILED,
        error=f"The file could not be {what} ({type(error).__name__}). Please upload it again.",
    )


def discard(record) -> None:
    """Throw away an import that has not been applied, and its file."""
    if record.status == ImportStatus.APPLIED:
        raise ValidationError("An applied import cannot be discarded.")
    if record.status in {ImportStatus.CHECKING, ImportStatus.APPLYING}:
        raise ValidationError("Wait until the import has been checked or applied before discarding it.")
    record.file.delete(save=False)
    record.status = ImportStatus.DISCARDED
    record.save(update_fields=["file", "status"])
