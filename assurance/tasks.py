"""Background jobs; each is a thin adapter for a service."""

from celery import shared_task

from assurance import reminders
from assurance.sbl import reminders as sbl_reminders
from assurance.visits.reminders import overdue_recommendation_reminders_send
from assurance.workbooks import board_workbook_job_run


# A worker process killed mid-build puts the job back on the queue (lmns.jobs).
@shared_task(acks_late=True, reject_on_worker_lost=True)
def build_board_workbook(job_id: int) -> None:
    board_workbook_job_run(job_id=job_id)


@shared_task
def send_framework_deadline_reminders() -> int:
    return reminders.framework_deadline_reminders_send()


@shared_task
def send_overdue_action_plan_reminders() -> int:
    return reminders.overdue_action_plan_reminders_send()


@shared_task
def send_awaiting_verification_digests() -> int:
    return reminders.awaiting_verification_digest_send()


@shared_task
def send_overdue_recommendation_reminders() -> int:
    return overdue_recommendation_reminders_send()


@shared_task
def send_sbl_due_reminders() -> int:
    return sbl_reminders.due_reminders_send()


@shared_task
def send_sbl_awaiting_validation_reminders() -> int:
    return sbl_reminders.awaiting_validation_reminders_send()
