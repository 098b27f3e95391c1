"""A Celery worker killed in the middle of an export: the job is built again by another
worker and ends with exactly one file.

The first worker (tests/worker_loss_worker.py) hangs after writing the workbook file; the
test stops it taking more work, kills the process running the task with SIGKILL (as the
out-of-memory killer would), then kills the worker itself and starts a fresh one.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from assurance.models import BoardWorkbookJob, ExportStatus
from assurance.tasks import build_board_workbook
from lmns.celery import app as celery_app
from lmns.models import Role
from tests.assurance.test_exports import build_framework
from tests.conftest import REQUIRE_SERVICES, skip_or_fail
from tests.factories import make_lmns, make_provider, make_user

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 90


def _wait_for(what: str, check, *, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.5)
    pytest.fail(f"Timed out waiting for {what}")


def _database_url() -> str:
    # The worker must read and write this test's database, not the one CI's worker uses.
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _start(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    with log.open("ab") as output:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def _ready(name: str) -> None:
    _wait_for(f"worker {name}", lambda: celery_app.control.ping(destination=[name], timeout=1))


def test_an_export_whose_worker_is_killed_is_built_again_into_one_file(tmp_path):
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: the worker shares this test's database", required=REQUIRE_SERVICES)
    lmns = make_lmns()
    make_provider(lmns, "Kestrel Hospitals NHS Trust", "KE1")
    officer = make_user("killed.officer", role=Role.LMNS_OFFICER, lmns=lmns)
    job = BoardWorkbookJob.objects.create(
        lmns=lmns, framework=build_framework("mis-kill"), requested_by=officer
    )
    # A queue of the test's own, so that no other worker takes the job.
    queue, run = f"worker-loss-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:8]
    first_name, second_name = f"worker-loss-first-{run}@localhost", f"worker-loss-second-{run}@localhost"
    hanging, log = tmp_path / "hanging.pid", tmp_path / "workers.log"
    workers = []
    try:
        workers.append(
            _start([sys.executable, "-m", "tests.worker_loss_worker", first_name, queue, str(hanging)], log)
        )
        _ready(first_name)
        build_board_workbook.apply_async((job.pk,), queue=queue)
        pool_process = int(
            _wait_for("the file to be written", lambda: hanging.exists() and hanging.read_text())
        )
        assert BoardWorkbookJob.objects.get(pk=job.pk).status == ExportStatus.RUNNING

        celery_app.control.cancel_consumer(queue, destination=[first_name], reply=True, timeout=5)
        os.kill(pool_process, signal.SIGKILL)
        # Put back on the queue, not acknowledged as lost (task_reject_on_worker_lost).
        _wait_for("the job back on the queue", lambda: _queued(queue) == 1, timeout=30)
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=TIMEOUT)

        workers.append(
            _start(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "lmns",
                    "worker",
                    "--hostname",
                    second_name,
                    "--queues",
                    queue,
                    "--concurrency=1",
                    "--loglevel=INFO",
                    "--without-mingle",
                ],
                log,
            )
        )
        job = _wait_for(
            "the job to finish",
            lambda: BoardWorkbookJob.objects.filter(pk=job.pk, status=ExportStatus.DONE).first(),
        )
    except BaseException:
        print(log.read_text() if log.exists() else "(no worker log)")
        raise
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(timeout=TIMEOUT)

    assert (job.progress, job.error) == (100, "")
    files = list((settings.MEDIA_ROOT / "workbooks" / str(job.pk)).iterdir())
    assert [path.name for path in files] == [job.file.name.rsplit("/", 1)[-1]]


def _queued(queue: str) -> int:
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue)
