"""Liveness of what the application depends on, for /healthz."""

from django.conf import settings
from django.db import connection

from lmns.celery import app as celery_app


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_ok() -> bool:
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def health_checks() -> dict[str, str]:
    checks = {"database": "ok" if database_ok() else "unavailable"}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = "ok" if broker_ok() else "unavailable"
    else:
        checks["broker"] = "not configured (tasks run in-process)"
    return checks
