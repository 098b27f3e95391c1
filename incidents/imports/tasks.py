"""Checking and applying large imports in the background (incidents.tasks registers these)."""

from celery import shared_task

from incidents.imports import services


@shared_task
def check_incident_import(import_id: int) -> None:
    services.incident_import_check(import_id=import_id)


@shared_task
def apply_incident_import(import_id: int) -> None:
    services.incident_import_apply(import_id=import_id)
