"""Two Celery workers at once, as .ci/run starts them (ci1 and ci2, one task at a time each):
a batch of exports queued together through the product's services is spread over both, and
each job is built once, into its one file, readable by this process.

The workers must share this test's database and file storage, as a deployment's machines share
PostgreSQL and the bucket: .ci/run starts them on pytest-django's test database and gives them
and the tests one MEDIA_ROOT.
"""

import time
from datetime import date

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from openpyxl import load_workbook

from assurance.models import BoardWorkbookJob
from assurance.services import assessment_start
from assurance.workbooks import board_workbook_job_start
from lmns.celery import app as celery_app
from lmns.models import ExportStatus, Role
from quality.board_packs import board_pack_job_start
from tests.assurance.test_exports import build_framework
from tests.conftest import REQUIRE_SERVICES, skip_or_fail
from tests.factories import make_lmns, make_provider, make_user

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# The workers' storage: MEDIA_ROOT as the test run started, before each test's own folder.
WORKERS_MEDIA_ROOT = django_settings.MEDIA_ROOT
BUILD_TASKS = ("assurance.tasks.build_board_workbook", "lmns.tasks.build_board_pack")
TIMEOUT = 180


def _workers() -> list[str]:
    return sorted(name for reply in celery_app.control.ping(timeout=2) for name in reply)


def _builds_by_worker() -> dict[str, int]:
    stats = celery_app.control.inspect(timeout=2).stats() or {}
    return {node: sum(s["total"].get(task, 0) for task in BUILD_TASKS) for node, s in stats.items()}


def _lmns_with_providers(code: str):
    lmns = make_lmns(f"{code.title()} LMNS", code=code)
    providers = [
        make_provider(lmns, f"{code.title()} {n} NHS Trust", f"{code[:2].upper()}{n}") for n in (1, 2)
    ]
    return lmns, providers, make_user(f"{code}.officer", role=Role.LMNS_OFFICER, lmns=lmns)


def test_a_batch_of_exports_is_spread_over_two_workers_and_each_is_built_once(settings):
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: the workers share this test's database", required=REQUIRE_SERVICES)
    workers = _workers()
    if len(workers) < 2:
        skip_or_fail(f"needs two Celery workers; these answered: {workers}", required=REQUIRE_SERVICES)
    settings.MEDIA_ROOT = WORKERS_MEDIA_ROOT
    frameworks = [build_framework("mis-two-a"), build_framework("mis-two-b")]
    month = date(2026, 9, 1)
    lmnss = [_lmns_with_providers(code) for code in ("kestrel", "osprey")]
    for _, providers, officer in lmnss:
        for provider in providers:
            for framework in frameworks:
                assessment_start(provider=provider, framework=framework, by=officer)
    before = _builds_by_worker()

    # One transaction, so that every job is handed to the broker at the same moment.
    with transaction.atomic():
        jobs = [
            start(lmns=lmns, by=officer, **extra)
            for lmns, _, officer in lmnss
            for start, extra in [
                (board_workbook_job_start, {"framework": frameworks[0]}),
                (board_workbook_job_start, {"framework": frameworks[1]}),
                (board_pack_job_start, {"month": month}),
            ]
        ]
    try:
        finished = _wait_until_finished(jobs)
        ran = {node: count - before.get(node, 0) for node, count in _builds_by_worker().items()}
        assert sum(ran.values()) == len(jobs), ran
        assert len([node for node, count in ran.items() if count]) >= 2, f"one worker did it all: {ran}"
        for job in finished:
            assert (job.status, job.attempts, job.error) == (ExportStatus.DONE, 1, ""), job
            with job.file.open("rb") as file:
                workbook = load_workbook(file)
            providers = next(providers for lmns, providers, _ in lmnss if lmns == job.lmns)
            if isinstance(job, BoardWorkbookJob):
                assert workbook.sheetnames == ["Cover", "Summary", *(p.name for p in providers)]
            else:
                assert job.lmns.name in workbook["Summary"]["A1"].value
    finally:
        for job in jobs:
            type(job).objects.get(pk=job.pk).file.delete(save=False)


def _wait_until_finished(jobs) -> list:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        current = [type(job).objects.select_related("lmns").get(pk=job.pk) for job in jobs]
        if all(job.status in {ExportStatus.DONE, ExportStatus.FAILED} for job in current):
            return current
        time.sleep(0.5)
    pytest.fail(
        f"The jobs did not finish in {TIMEOUT} s: {[job.status for job in current]}. Are the workers "
        f"on this test's database ({connection.settings_dict['NAME']}) and MEDIA_ROOT ({WORKERS_MEDIA_ROOT})?"
    )
