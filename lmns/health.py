"""Liveness of what the application depends on, for /healthz.

A load balancer probes often and must never wait on a hung dependency, so the checks that
reach across the network (the cache, the file storage, a worker's ping) each answer within
CHECK_TIMEOUT seconds or count as unavailable, and their answer is remembered for RECENT
seconds in each process.
"""

import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from lmns.celery import app as celery_app

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 2
RECENT = 15

# Few threads: while a check hangs, later probes' checks wait their turn and time out, so a
# dead dependency cannot pile up threads.
_pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="healthz")
_recent: dict[str, tuple[float, bool]] = {}


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


def cache_ok() -> bool:
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 30)
    answered = cache.get(key) == value
    cache.delete(key)
    return answered


def storage_ok() -> bool:
    # Writing and deleting use the permissions the product uses; asking whether a file exists
    # would need a bucket's list permission too, which its role may not have.
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)
    return True


def worker_ok() -> bool:
    return bool(celery_app.control.ping(timeout=1, limit=1))


def answers(name: str, check) -> bool:
    """Whether ``check()`` returns true within CHECK_TIMEOUT seconds, as found at most RECENT
    seconds ago by this process."""
    now = time.monotonic()
    if (found := _recent.get(name)) and found[0] > now:
        return found[1]
    try:
        ok = bool(_pool.submit(check).result(timeout=CHECK_TIMEOUT))
    except Exception:
        logger.warning("Health check of the %s failed", name, exc_info=True)
        ok = False
    _recent[name] = (now + RECENT, ok)
    return ok


# What a web process needs to serve pages: the load balancer takes it out of service (503)
# when one is unavailable. No worker answering means work waits while pages are served, so
# it is reported but takes no web machine out.
SERVING = ("database", "cache", "storage", "broker")


def health_checks() -> dict[str, str]:
    state = {True: "ok", False: "unavailable"}
    checks = {
        "database": state[database_ok()],
        "cache": state[answers("cache", cache_ok)],
        "storage": state[answers("storage", storage_ok)],
    }
    if not settings.CELERY_BROKER_URL:
        checks["broker"] = checks["worker"] = "not configured (tasks run in-process)"
        return checks
    checks["broker"] = state[broker_ok()]
    # Asked only of a broker that answers: a ping through a dead one would wait to connect.
    checks["worker"] = state[checks["broker"] == "ok" and answers("worker", worker_ok)]
    return checks
