from smtplib import SMTPException

from celery import shared_task

from lmns import services


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> int:
    return services.email_send(to=to, subject=subject, body=body)
