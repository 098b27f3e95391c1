"""Handing work to Celery without losing it while the broker is down.

Work is sent once the transaction commits. If the broker cannot be reached the request
still succeeds, because what it asked for is already kept: a job row stays "waiting to
start" with no ``sent_at`` (its page says so), and an email becomes an UnsentEmail row, its
body encrypted (it may hold a password reset link).
``unsent_resend`` (run by beat every few minutes) sends them when the broker is back.
"""

import logging
from datetime import timedelta

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError

from lmns import sealing
from lmns.models import ExportJob, ExportStatus, UnsentEmail

logger = logging.getLogger(__name__)

# A job committed this recently may still be on its way to the broker from its request.
IN_FLIGHT = timedelta(minutes=1)


def task_send(task_name: str, *args, **kwargs) -> bool:
    """Send one task, by its dotted path, to the broker now; False, and logged, if the broker
    cannot be reached."""
    try:
        import_string(task_name).apply_async(args, kwargs)
    except OperationalError:
        logger.warning("The broker could not be reached; %s is kept to send later", task_name, exc_info=True)
        return False
    return True


def job_send_on_commit(job: ExportJob) -> None:
    """Hand a new export job to a worker once the transaction commits."""
    transaction.on_commit(lambda: job_send(job))


def email_send_on_commit(*, to: list[str], subject: str, body: str) -> None:
    """Send an email from a worker once the transaction commits, or keep it to send later."""

    def send():
        if not task_send("lmns.tasks.send_email", to=to, subject=subject, body=body):
            UnsentEmail.hold(to=to, subject=subject, body=body)

    transaction.on_commit(send)


def unsent_resend() -> int:
    """Send the jobs and emails the broker could not take; returns how many were sent.

    Two runs at once (two workers each given a beat message, say, after an outage) must not
    both send the same row: each row is locked while it is sent and marked, and a row another
    run holds is skipped. Sending inside the lock means a run that dies midway leaves the row
    to send again, rather than marked sent and lost.
    """
    sent = 0
    before = timezone.now() - IN_FLIGHT
    for model in (m for m in apps.get_models() if issubclass(m, ExportJob)):
        waiting = model.objects.filter(status=ExportStatus.QUEUED, sent_at=None, requested_at__lt=before)
        while True:
            with transaction.atomic():
                job = waiting.select_for_update(skip_locked=True).order_by("pk").first()
                if job is None:
                    break
                if not job_send(job):
                    return sent  # still unreachable: the next run tries again
            sent += 1
    while True:
        with transaction.atomic():
            email = UnsentEmail.objects.select_for_update(skip_locked=True).order_by("pk").first()
            if email is None:
                return sent
            try:
                body = email.message()
            except sealing.InvalidToken:
                # Sealed with a secret key since removed: nobody can read it, and left in
                # place it would stop every email behind it.
                logger.error(
                    "Held email %s (%r) cannot be read with the current SECRET_KEY; dropped",
                    email.pk,
                    email.subject,
                )
                email.delete()
                continue
            if not task_send("lmns.tasks.send_email", to=email.to, subject=email.subject, body=body):
                return sent
            email.delete()
        sent += 1


def job_send(job: ExportJob) -> bool:
    """Send an export job to a worker now; False if the broker cannot be reached, and the job
    is left unsent for ``unsent_resend``."""
    if not task_send(job.build_task, job.pk):
        return False
    now = timezone.now()
    type(job).objects.filter(pk=job.pk).update(sent_at=now, heartbeat_at=now)
    return True
