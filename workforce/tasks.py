"""Background jobs; each is a thin adapter for a service."""

from celery import shared_task

from workforce.reminders import late_return_reminders_send


@shared_task
def send_late_return_reminders() -> int:
    return late_return_reminders_send()
