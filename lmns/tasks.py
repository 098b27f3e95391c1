from smtplib import SMTPException

from celery import shared_task

from lmns import jobs, outbox, services
from lmns.people import services as people_services
from lmns.work_email import services as work_email_services


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> int:
    return services.email_send(to=to, subject=subject, body=body)


# The link is made here, as the email goes, so only the person's id waits in the broker.
@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_invitation(user_id: int) -> int:
    return people_services.invitation_send(user_id=user_id)


@shared_task
def resend_unsent() -> int:
    return outbox.unsent_resend()


@shared_task
def requeue_stale_jobs() -> tuple[int, int]:
    return jobs.stale_jobs_requeue()


@shared_task
def send_work_digests() -> int:
    return work_email_services.digests_send()
