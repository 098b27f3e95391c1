"""The same work run twice at once, as two Celery workers can: a message delivered twice (tasks
acknowledge late), or two beat messages taken together after an outage.

Each test holds the first run at its most exposed moment and runs the second, on a database
connection of its own, to its end before letting the first go on. PostgreSQL only: its row and
advisory locks are what keep the runs apart, and real workers need it.
"""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook

from incidents.imports import services as import_services
from incidents.imports.models import ImportStatus
from incidents.models import Incident, IncidentType
from lmns import outbox
from lmns.jobs import export_job_run
from lmns.models import BoardPackJob, ExportStatus, Role, UnsentEmail
from tests.conftest import REQUIRE_SERVICES, skip_or_fail
from tests.factories import make_lmns, make_provider, make_user
from tests.incidents.imports.helpers import csv_bytes, row, upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL, whose locks keep two runs apart", required=REQUIRE_SERVICES)


class Second:
    """A function run in another thread, which Django gives a database connection of its own."""

    def __init__(self, function):
        self.result = self.error = None
        self.started = False
        self.thread = threading.Thread(target=self._run, args=(function,))

    def _run(self, function):
        try:
            self.result = function()
        except BaseException as error:
            self.error = error
        finally:
            connection.close()

    def run(self, *, timeout: float = 30) -> None:
        """Start it and wait until it ends, or ``timeout`` seconds if it is held up."""
        self.started = True
        self.thread.start()
        self.thread.join(timeout)

    def finish(self) -> None:
        self.thread.join(30)
        assert not self.thread.is_alive(), "the second run never ended"
        if self.error:
            raise self.error


@pytest.fixture
def officer():
    lmns = make_lmns()
    make_provider(lmns, "Aardvark Hospitals NHS Trust", "AA1")
    return make_user("twice.officer", role=Role.LMNS_OFFICER, lmns=lmns)


def test_two_resend_runs_at_once_send_each_job_and_email_once(officer, monkeypatch):
    job = BoardPackJob.objects.create(
        lmns=officer.memberships.get().lmns, month=date(2026, 9, 1), requested_by=officer
    )
    BoardPackJob.objects.filter(pk=job.pk).update(requested_at=timezone.now() - timedelta(hours=1))
    UnsentEmail.hold(to=["lead@example.invalid"], subject="Return due", body="See the link.")
    sent, second = [], Second(outbox.unsent_resend)

    def send(task_name, *args, **kwargs):
        if not second.started:
            second.run()  # while the first run is sending its first row
        sent.append(task_name)
        return True

    monkeypatch.setattr(outbox, "task_send", send)
    first = outbox.unsent_resend()
    second.finish()

    assert sorted(sent) == ["lmns.tasks.send_email", "quality.tasks.build_board_pack"]
    assert first + second.result == 2
    job.refresh_from_db()
    assert job.sent_at is not None
    assert not UnsentEmail.objects.exists()


def test_a_job_delivered_to_two_workers_at_once_is_built_by_one(officer):
    job = BoardPackJob.objects.create(
        lmns=officer.memberships.get().lmns, month=date(2026, 9, 1), requested_by=officer
    )
    jobs = BoardPackJob.objects.filter(pk=job.pk)
    builds = []

    def build(job, progress):
        builds.append(job.attempts)
        if len(builds) == 1:
            second.run()  # while the first run is building
        workbook = Workbook()
        workbook.active["A1"] = "Built once"
        return workbook

    second = Second(
        lambda: export_job_run(jobs=jobs, what="pack", build=build, filename=lambda job: "pack.xlsx")
    )
    export_job_run(jobs=jobs, what="pack", build=build, filename=lambda job: "pack.xlsx")
    second.finish()

    assert builds == [1]
    job.refresh_from_db()
    assert (job.status, job.attempts, job.file.name) == (
        ExportStatus.DONE,
        1,
        f"board-packs/{job.pk}/pack.xlsx",
    )

    # Once the first run has finished, the job's lock is free again: a job left running by a
    # worker that died is built again.
    jobs.update(status=ExportStatus.RUNNING)
    export_job_run(jobs=jobs, what="pack", build=build, filename=lambda job: "pack.xlsx")
    assert builds == [1, 2]


def test_an_import_apply_delivered_to_two_workers_at_once_writes_once(officer, monkeypatch):
    provider = officer.memberships.get().lmns.providers.get()
    IncidentType.objects.get_or_create(name="Shoulder dystocia", defaults={"group": "maternal"})
    incident_import = import_services.incident_import_start(
        provider=provider, mapping_name="datix", file=upload(csv_bytes([row("TWICE-1")]), "x.csv"), by=officer
    )
    incident_import.refresh_from_db()
    assert (incident_import.status, incident_import.to_create) == (ImportStatus.CHECKED, 1)
    # As incident_import_apply_start claims it before queueing the task.
    type(incident_import).objects.filter(pk=incident_import.pk).update(status=ImportStatus.APPLYING)
    run, runs = import_services._run, []
    second = Second(lambda: import_services.incident_import_apply(import_id=incident_import.pk))

    def counted(*args, **kwargs):
        runs.append(1)
        if len(runs) == 1:
            # The second run waits for the import, held by the first: let it wait a moment.
            second.run(timeout=2)
        return run(*args, **kwargs)

    monkeypatch.setattr(import_services, "_run", counted)
    import_services.incident_import_apply(import_id=incident_import.pk)
    second.finish()

    assert len(runs) == 1
    incident_import.refresh_from_db()
    assert (incident_import.status, incident_import.problem_count) == (ImportStatus.APPLIED, 0)
    assert Incident.objects.filter(provider=provider, local_reference="TWICE-1").count() == 1
    assert not incident_import.file
