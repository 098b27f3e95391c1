"""Handing an import's check or apply to Celery, or running it in the request for a small file."""

from django.db import transaction

from lmns.outbox import task_send


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
