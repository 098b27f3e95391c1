"""Shared by every app's scheduled reminder emails.

Idempotency: Celery acknowledges tasks late (CELERY_TASK_ACKS_LATE), so a task may run
twice, and beat may fire again after a restart. Rather than a "reminder sent" table, each
email claims a cache key with cache.add(), which only succeeds for the first caller (SET NX
on Redis; a lock on locmem). With the shared Redis cache in production (CACHE_URL) that
holds across workers; locmem is per process, which is enough for eager mode in development.
Keys must outlive any re-run, so callers give explicit timeouts (the default is five minutes).
"""

from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.utils import dateformat

from lmns import services


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def long_date(value: date) -> str:
    return dateformat.format(value, "j F Y")


def iso_week(today: date) -> str:
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def queue_email_once(*, key: str, timeout: int, to: str, subject: str, body: str) -> bool:
    """Queue one email unless ``key`` shows it has already gone; True if queued.

    Each email is its own ``lmns.tasks.send_email`` task, which retries SMTP failures with
    back-off on its own, so one refused address or SMTP hiccup neither stops the rest of the
    batch nor makes a re-run repeat the emails already queued.
    """
    if not cache.add(key, True, timeout):
        return False
    try:
        services.email_queue(to=[to], subject=subject, body=body)
    except Exception:
        cache.delete(key)  # never queued, so a re-run may try again
        raise
    return True
