"""LMNS-wide board workbooks built in the background: start, progress, done, failed, run twice."""

import pytest
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from assurance import tasks, workbooks
from assurance.models import BoardWorkbookJob, ExportStatus
from assurance.services import assessment_start
from assurance.workbooks import board_workbook_job_run, board_workbook_job_start
from lmns.jobs import MAX_ATTEMPTS
from lmns.models import Role
from tests.assurance.test_exports import build_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


@pytest.fixture
def framework(world, officer):
    framework = build_framework("mis-jobs")
    for provider in world.providers:
        assessment_start(provider=provider, framework=framework, by=officer)
    return framework


@pytest.fixture
def job(world, framework, officer):
    return BoardWorkbookJob.objects.create(lmns=world.lmns_a, framework=framework, requested_by=officer)


def test_starting_a_job_builds_the_workbook_once_committed(
    world, framework, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = board_workbook_job_start(lmns=world.lmns_a, framework=framework, by=officer)
        assert BoardWorkbookJob.objects.get(pk=job.pk).status == ExportStatus.QUEUED

    job.refresh_from_db()
    assert len(callbacks) == 1
    assert job.status == ExportStatus.DONE
    assert job.progress == 100
    assert job.finished_at is not None
    assert job.error == ""
    assert job.file.name.startswith(f"workbooks/{job.pk}/board-mis-jobs-alpha-")
    assert job.file.name.endswith(".xlsx")
    assert default_storage.exists(job.file.name)
    with job.file.open("rb") as file:
        workbook = load_workbook(file)
    # Every provider of LMNS A, by name, and nothing of LMNS B.
    assert workbook.sheetnames == ["Cover", "Summary", world.a1.name, world.a2.name]


def test_starting_again_while_one_is_unfinished_returns_it(world, framework, officer, job):
    job.status = ExportStatus.RUNNING
    job.save()

    again = board_workbook_job_start(lmns=world.lmns_a, framework=framework, by=officer)

    assert again == job
    assert BoardWorkbookJob.objects.filter(framework=framework).count() == 1


def test_a_finished_job_does_not_stop_a_new_one(world, framework, officer, job):
    job.status = ExportStatus.DONE
    job.save()

    again = board_workbook_job_start(lmns=world.lmns_a, framework=framework, by=officer)

    assert again != job
    assert again.status == ExportStatus.QUEUED


def test_progress_is_saved_after_each_provider(job, monkeypatch):
    seen = []
    real = workbooks.board_workbook

    def spying(**kwargs):
        report = kwargs.pop("progress")

        def progress(done, total):
            report(done, total)
            seen.append(BoardWorkbookJob.objects.values_list("status", "progress").get(pk=job.pk))

        return real(progress=progress, **kwargs)

    monkeypatch.setattr(workbooks, "board_workbook", spying)
    board_workbook_job_run(job_id=job.pk)

    assert seen == [(ExportStatus.RUNNING, 45), (ExportStatus.RUNNING, 90)]
    job.refresh_from_db()
    assert (job.status, job.progress) == (ExportStatus.DONE, 100)


def test_a_failure_is_recorded_and_raised(job, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full at /srv/secret/path")

    monkeypatch.setattr(workbooks, "board_workbook", broken)

    with pytest.raises(RuntimeError):
        board_workbook_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert job.error == "The workbook could not be built (RuntimeError). Please try again."
    assert "/srv/secret" not in job.error  # the details go to the log, not to the user
    assert job.finished_at is not None
    assert not job.file


def test_running_a_done_job_again_does_nothing(job, monkeypatch):
    board_workbook_job_run(job_id=job.pk)
    job.refresh_from_db()
    first = (job.file.name, job.finished_at)

    def must_not_run(**kwargs):
        raise AssertionError("a finished job was built again")

    monkeypatch.setattr(workbooks, "board_workbook", must_not_run)
    board_workbook_job_run(job_id=job.pk)  # e.g. redelivered after the worker acked late

    job.refresh_from_db()
    assert (job.file.name, job.finished_at) == first
    assert job.status == ExportStatus.DONE


def test_a_job_left_running_by_a_dead_worker_is_built_again(job):
    BoardWorkbookJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, progress=45)

    board_workbook_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.progress) == (ExportStatus.DONE, 100)


def test_a_run_killed_after_writing_its_file_leaves_one_file_when_run_again(job, settings):
    board_workbook_job_run(job_id=job.pk)
    # As if the worker died after writing the file but before recording it on the job.
    BoardWorkbookJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, file="")

    board_workbook_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    folder = settings.MEDIA_ROOT / "workbooks" / str(job.pk)
    assert [path.name for path in folder.iterdir()] == [job.file.name.rsplit("/", 1)[-1]]


def test_a_job_cut_off_three_times_is_failed_not_run_again(job, monkeypatch):
    BoardWorkbookJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, attempts=MAX_ATTEMPTS)

    def must_not_run(**kwargs):
        raise AssertionError("a job that keeps killing its worker was built again")

    monkeypatch.setattr(workbooks, "board_workbook", must_not_run)
    board_workbook_job_run(job_id=job.pk)  # redelivered a fourth time

    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert job.error == (
        "The workbook could not be built: it was stopped part-way 3 times. Tell your system administrator."
    )


def test_a_deleted_job_is_ignored(job):
    job_id = job.pk
    job.delete()

    board_workbook_job_run(job_id=job_id)  # no error: there is nothing to build


def test_the_task_calls_the_service(job, monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "board_workbook_job_run", lambda **kwargs: calls.append(kwargs))

    tasks.build_board_workbook.delay(job.pk)

    assert calls == [{"job_id": job.pk}]
