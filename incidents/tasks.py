"""Scheduled jobs; each is a thin adapter for a function in ``incidents.reminders``.

CELERY_BEAT_SCHEDULE in lmns/settings.py runs them.
"""

from celery import shared_task

from incidents import reminders


@shared_task
def send_ssig_deadline_reminders() -> int:
    return reminders.ssig_deadline_reminders_send()


@shared_task
def send_overdue_action_digests() -> int:
    return reminders.overdue_action_digests_send()
