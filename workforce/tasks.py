"""Background jobs; each is a thin adapter for a service."""

from celery import shared_task

from workforce.perinatal.reminders import overdue_check_reminders_send
from workforce.reminders import late_return_reminders_send
from workforce.score.reminders import score_action_reminders_send


@shared_task
def send_late_return_reminders() -> int:
    return late_return_reminders_send()


@shared_task
def send_overdue_check_reminders() -> int:
    return overdue_check_reminders_send()


@shared_task
def send_score_action_reminders() -> int:
    return score_action_reminders_send()


# Monthly return imports: checked and applied here when too large for the request.
from workforce.perinatal.imports.tasks import apply_monthly_import, check_monthly_import  # noqa: E402, F401
