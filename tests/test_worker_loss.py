"""A Celery worker killed in the middle of an export: the job is built again by another
worker and ends with exactly one file.

The first worker (tests/worker_loss_worker.py) hangs after writing the workbook file. In
the first test, the process running the task is killed with SIGKILL (as the out-of-memory
killer would); in the second, the whole worker is (its main process, which takes the
process running the task with it), and beat's re-queue and the broker's visibility timeout
both hand the job on.
"""

import json
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
from lmns.jobs import stale_jobs_requeue
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


def _start(args: list[str], log: Path, **extra_env: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT), **extra_env}
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

        workers.append(_start(_worker(second_name, queue), log))
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


def test_a_job_whose_whole_worker_is_killed_is_built_again_once(tmp_path, settings):
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: the worker shares this test's database", required=REQUIRE_SERVICES)
    lmns = make_lmns()
    make_provider(lmns, "Merlin Hospitals NHS Trust", "ME1")
    officer = make_user("whole.officer", role=Role.LMNS_OFFICER, lmns=lmns)
    job = BoardWorkbookJob.objects.create(
        lmns=lmns, framework=build_framework("mis-whole-kill"), requested_by=officer
    )
    queue, run = f"worker-loss-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:8]
    first_name, second_name = f"whole-first-{run}@localhost", f"whole-second-{run}@localhost"
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
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=TIMEOUT)
        # Celery's pool processes die with their worker (PR_SET_PDEATHSIG).
        _wait_for("the pool process to die", lambda: not _alive(pool_process), timeout=30)
        # Nothing else happens: the job is stuck and its task held, unacknowledged, in Redis.
        assert BoardWorkbookJob.objects.get(pk=job.pk).status == ExportStatus.RUNNING
        assert _held(queue) == 1

        # Beat's run, with a limit of nothing, so that the test need not wait for one.
        settings.JOB_STALE_AFTER = 0
        assert stale_jobs_requeue() == (1, 0)
        # A worker for the re-queued task (on Celery's default queue), which also takes back
        # the dead worker's task from Redis at once (a visibility timeout of a second).
        workers.append(_start(_worker(second_name, f"celery,{queue}"), log, CELERY_VISIBILITY_TIMEOUT="1"))
        _wait_for(
            "the job to finish and both tasks to be taken",
            lambda: (
                _held(queue) == 0
                and BoardWorkbookJob.objects.filter(pk=job.pk, status=ExportStatus.DONE).exists()
            ),
        )
    except BaseException:
        print(log.read_text() if log.exists() else "(no worker log)")
        raise
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(timeout=TIMEOUT)

    job.refresh_from_db()
    # Built twice in all: the dead worker's start and one run after it; the second task
    # found the job done.
    assert (job.status, job.attempts, job.requeues, job.progress, job.error) == (
        ExportStatus.DONE,
        2,
        1,
        100,
        "",
    )
    files = list((settings.MEDIA_ROOT / "workbooks" / str(job.pk)).iterdir())
    assert [path.name for path in files] == [job.file.name.rsplit("/", 1)[-1]]
    assert stale_jobs_requeue() == (0, 0)


def _worker(name: str, queues: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "lmns",
        "worker",
        "--hostname",
        name,
        "--queues",
        queues,
        "--concurrency=1",
        "--loglevel=INFO",
        "--without-mingle",
    ]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too: its parent, the killed worker, cannot reap it.
    return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"


def _held(queue: str) -> int:
    """Tasks for ``queue`` waiting in it or delivered and not yet acknowledged."""
    with celery_app.connection_for_write() as conn:
        client = conn.default_channel.client
        delivered = [json.loads(entry)[2] for entry in client.hvals("unacked")]
        return client.llen(queue) + delivered.count(queue)


def _queued(queue: str) -> int:
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue)
