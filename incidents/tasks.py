"""Scheduled jobs; each is a thin adapter for a function in ``incidents.reminders``.

CELERY_BEAT_SCHEDULE in lmns/settings.py runs them.
"""

from celery import shared_task

from incidents import reminders
from incidents.highlights.reminders import late_highlight_reminders_send


@shared_task
def send_ssig_deadline_reminders() -> int:
    return reminders.ssig_deadline_reminders_send()


@shared_task
def send_overdue_action_digests() -> int:
    return reminders.overdue_action_digests_send()


@shared_task
def send_late_highlight_reminders() -> int:
    return late_highlight_reminders_send()


# Imports' tasks live with the rest of the import code; importing them here lets
# Celery's autodiscovery, which reads incidents.tasks, find them.
from incidents.imports.tasks import apply_incident_import, check_incident_import  # noqa: E402, F401
