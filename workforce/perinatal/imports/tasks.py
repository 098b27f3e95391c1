"""Checking and applying large monthly return imports in the background (workforce.tasks registers these)."""

from celery import shared_task

from workforce.perinatal.imports import services


@shared_task
def check_monthly_import(import_id: int) -> None:
    services.monthly_import_check(import_id=import_id)


@shared_task
def apply_monthly_import(import_id: int) -> None:
    services.monthly_import_apply(import_id=import_id)
