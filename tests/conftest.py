import io
import itertools
import os
import pickle
import shutil
import tempfile
import threading
from collections import Counter
from datetime import date, datetime, time, timedelta
from importlib import import_module
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from celery.app.task import Task
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from assurance.models import BoardWorkbookJob, ExportStatus
from assurance.services import assessment_start, evidence_add
from assurance.visits import services as visit_services
from assurance.visits.models import VisitStatus
from incidents.models import LearningEvent
from lmns.celery import app as celery_app
from lmns.models import LMNS_ROLES, PROVIDER_ROLES, BoardPackJob, Role
from tests.factories import (
    make_action,
    make_concern,
    make_finding,
    make_framework,
    make_incident,
    make_learning,
    make_lmns,
    make_meeting,
    make_provider,
    make_recommendation,
    make_unit,
    make_user,
    make_visit,
    make_workforce_return,
)
from tests.migrated_database import is_in_memory_sqlite, migrated_template, preload_in_memory_test_database
from tests.migrating import Migrator

# CI sets these: there, a test that needs a browser or a broker must run, never skip.
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REQUIRE_SERVICES = os.environ.get("LMNS_REQUIRE_SERVICES", "") == "1"


def skip_or_fail(reason: str, *, required: bool):
    if required:
        pytest.fail(f"Required here but unavailable: {reason}")
    pytest.skip(reason)


# --- One date for the whole run ----------------------------------------------------------------
# A test may take "today" when its module is imported and compare it with what the code under
# test works out later. So the run's clock is pinned to one date: it starts at the real time,
# but no later than LATEST_START, so that no run reaches midnight (a whole CI run takes under
# two hours), and ticks on from there. The date is the real date when the run starts, or
# LMNS_TEST_DATE (YYYY-MM-DD) to replay a run; xdist workers take the controller's. A run
# started after LATEST_START runs behind the real clock, which processes outside this one
# (Celery workers, Chromium) still keep.
LATEST_START = time(20, 0)
ZONE = ZoneInfo(django_settings.TIME_ZONE)
TEST_DATE = "lmns_test_date"
_test_date = pytest.StashKey[str]()
_clock = pytest.StashKey[time_machine.travel]()


def pytest_configure(config):
    if hasattr(config, "workerinput"):
        test_date = config.workerinput[TEST_DATE]
    else:
        test_date = os.environ.get("LMNS_TEST_DATE") or datetime.now(ZONE).date().isoformat()
    start = datetime.combine(date.fromisoformat(test_date), min(datetime.now(ZONE).time(), LATEST_START))
    config.stash[_test_date] = test_date
    config.stash[_clock] = time_machine.travel(start.replace(tzinfo=ZONE), tick=True)
    config.stash[_clock].start()


def _day_start(config) -> datetime:
    """Midnight starting the run's test date: no test's clock is earlier."""
    return datetime.combine(date.fromisoformat(config.stash[_test_date]), time(0, 0), tzinfo=ZONE)


def pytest_unconfigure(config):
    if _clock in config.stash:
        config.stash[_clock].stop()


def pytest_sessionstart(session):
    """Across workers, the controller builds the migrated database (about 40 s of CPU on a fresh
    clone) while the workers start and collect; each then waits for it only as long as is left."""
    config = session.config
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", None):
        return
    if is_in_memory_sqlite(connections["default"]):
        threading.Thread(
            target=migrated_template,
            args=(_database_cache(config),),
            kwargs={"day": _day_start(config)},
            daemon=True,
        ).start()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    node.workerinput[TEST_DATE] = node.config.stash[_test_date]


# pytest 9.2 with pytest-xdist 3.8 ran 5 of the API schema's 39 tests, and the run passed
# (pytest-xdist#1386: workers no longer match the ids of tests whose names hold "/" and "{"). A
# run across workers that ends without a report from every collected test fails.
@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    dsession = session.config.pluginmanager.getplugin("dsession")
    scheduler = getattr(dsession, "sched", None)
    collected = getattr(scheduler, "collection", None)
    if (
        not collected
        or dsession.shouldstop
        or exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
    ):
        return
    reporter = session.config.pluginmanager.getplugin("terminalreporter")
    # Counted, not compared as sets: there, the ids had lost their parameters and were alike.
    reported = Counter(
        report.nodeid
        for outcome in ("passed", "failed", "skipped", "error", "xfailed", "xpassed")
        for report in reporter.stats.get(outcome, [])
        if hasattr(report, "nodeid")
    )
    missing = Counter(collected) - reported
    if missing:
        reporter.ensure_newline()
        reporter.write_line(
            f"{missing.total()} of {len(collected)} collected tests never ran, for example "
            + ", ".join(sorted(missing)[:3]),
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_report_header(config):
    test_date = config.stash[_test_date]
    return f"test date: {test_date} (to replay it: LMNS_TEST_DATE={test_date})"


@pytest.fixture(scope="session")
def _files_root(tmp_path_factory):
    """Where tests keep their files: in memory where the machine has a tmpfs. Every test makes
    and removes a tree of folders (its MEDIA_ROOT, holding links to the world's files), which
    cost 2.5 ms of CPU a test on this machine's disk (the access matrix: 261 s to 253 s)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path_factory.getbasetemp()
        return
    root = Path(tempfile.mkdtemp(prefix="lmns-tests-", dir=shm))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def _media_folders(_files_root):
    # Beside the world's files: a test's folder links to them, and links stay on one filesystem.
    return Path(tempfile.mkdtemp(prefix="media-", dir=_files_root))


@pytest.fixture(autouse=True)
def _test_settings(settings, _media_folders):
    # Each test's own MEDIA_ROOT, removed after it. Not tmp_path: pytest numbers those by
    # listing every earlier one, a cost that grows with each test and is paid thousands of times.
    media_root = Path(tempfile.mkdtemp(dir=_media_folders)) / "media"
    for name, value in settings_for_tests(media_root=media_root).items():
        setattr(settings, name, value)
    yield
    shutil.rmtree(media_root.parent, ignore_errors=True)


def settings_for_tests(*, media_root) -> dict:
    """Every test's settings, and the shared world's while it is built."""
    return {
        # Tests don't run collectstatic; serve static files straight from the finders.
        "STORAGES": {
            **django_settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "MEDIA_ROOT": media_root,
    }


@pytest.fixture(autouse=True)
def _real_clock_with_real_workers(request):
    """Tests with real Celery workers run on the real clock: the workers stamp jobs with it (a
    heartbeat, say), and a run started after LATEST_START pins its own clock behind it, so that
    a job the worker touched a minute ago read as touched in the future and never as stale."""
    if request.node.get_closest_marker("services") is None:
        yield
        return
    with time_machine.travel(time_machine.escape_hatch.datetime.datetime.now(ZONE), tick=True):
        yield


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Run tasks in-process, except in tests marked ``services``, which use the real worker.

    Eager mode only emulates a worker, so the services tests prove the round trip.
    """
    uses_worker = request.node.get_closest_marker("services") is not None
    if uses_worker and not django_settings.CELERY_BROKER_URL:
        skip_or_fail(
            "needs CELERY_BROKER_URL and a running Celery worker (see the README)", required=REQUIRE_SERVICES
        )
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = not uses_worker
    yield
    celery_app.conf.task_always_eager = previous


def _workbook_bytes(title: str) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request):
    """pytest-django's hook before the test databases are made: on SQLite, start from a copy of
    the migrated database (tests/migrated_database.py)."""
    keeper = preload_in_memory_test_database(_database_cache(request.config), day=_day_start(request.config))
    yield
    if keeper is not None:
        keeper.close()


def _database_cache(config) -> Path:
    cache = getattr(config, "cache", None)
    return cache.mkdir("lmns-migrated-database") if cache else Path(tempfile.gettempdir()) / "lmns-tests"


@pytest.fixture
def migrator(request, transactional_db):
    """Moves the database between migrations (tests/migrating.py), and puts it back at the latest."""
    migrator = Migrator(_database_cache(request.config))
    yield migrator
    migrator.back_to_latest()


def signed_in_session(user) -> str:
    """The key of a saved session signed in as ``user``, holding what the test client's
    force_login puts there, but made without signing in: the world's sign-in times and
    sign-in records stay as its tests expect them."""
    session = import_module(django_settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = next(
        path for path in django_settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


class World:
    """Two LMNSs; LMNS A has providers A1 and A2, LMNS B has provider B1.

    Personas: one user per provider role at A1, one per LMNS role at LMNS A,
    a superuser, and "nobody" (signed in, no membership).
    """

    def __init__(self):
        self.lmns_a = make_lmns("Alpha LMNS", code="alpha")
        self.lmns_b = make_lmns("Beta LMNS", code="beta")
        self.a1 = make_provider(self.lmns_a, "Aardvark Hospitals NHS Trust", "AA1")
        self.a2 = make_provider(self.lmns_a, "Albatross Health NHS Trust", "AA2")
        self.b1 = make_provider(self.lmns_b, "Badger Valley NHS Trust", "BB1")
        for provider in (self.a1, self.a2, self.b1):
            make_unit(provider, f"{provider.name} Maternity Unit", f"{provider.ods_code}01")
        self.personas = {}
        for role in sorted(PROVIDER_ROLES):
            self.personas[f"provider:{role}"] = make_user(f"a1-{role}", role=role, provider=self.a1)
        for role in sorted(LMNS_ROLES):
            self.personas[f"lmns:{role}"] = make_user(f"lmnsa-{role}", role=role, lmns=self.lmns_a)
        self.personas["superuser"] = make_user("root", is_superuser=True, is_staff=True)
        self.personas["nobody"] = make_user("nobody")
        # Signing in afresh for each of the access matrix's 3,000 requests cost a fifth of its time.
        self.sessions = {name: signed_in_session(user) for name, user in self.personas.items()}
        # One record of each kind per provider (or per LMNS), for the access matrix.
        owner = make_user("action-owner")
        self.records = {}
        for provider in self.providers:
            incident = make_incident(provider, local_reference=f"REF-{provider.ods_code}")
            self.records[provider.pk] = {
                "incident": incident,
                "learning": make_learning(
                    provider, title=f"Learning of {provider.ods_code}", incidents=[incident]
                ),
                "action": make_action(provider, owner=owner, incident=incident),
            }
        self.framework = make_framework()
        for provider in self.providers:
            assessment = assessment_start(provider=provider, framework=self.framework, by=owner)
            item = assessment.items.order_by("pk").first()
            evidence = evidence_add(
                provider=provider,
                by=owner,
                description=f"Audit of {provider.ods_code}",
                effective_from="2026-01-01",
                file=SimpleUploadedFile("audit.pdf", b"%PDF-1.4 test audit"),
                items=[item],
            )
            self.records[provider.pk].update(
                assessment=assessment, item=item, evidence=evidence, link=evidence.links.get()
            )
        for provider in self.providers:
            self.records[provider.pk].update(self._visit_records(provider))
        for provider in self.providers:
            self.records[provider.pk].update(self._workforce_records(provider))
        for lmns in (self.lmns_a, self.lmns_b):
            job = BoardWorkbookJob(
                lmns=lmns,
                framework=self.framework,
                requested_by=owner,
                status=ExportStatus.DONE,
                progress=100,
            )
            job.file.save(f"board-{lmns.code}.xlsx", ContentFile(_workbook_bytes(lmns.name)), save=True)
            pack_job = BoardPackJob(
                lmns=lmns,
                month=timezone.localdate().replace(day=1),
                requested_by=owner,
                status=ExportStatus.DONE,
                progress=100,
            )
            pack_job.file.save(f"pack-{lmns.code}.xlsx", ContentFile(_workbook_bytes(lmns.name)), save=True)
            self.records[("lmns", lmns.pk)] = {
                "job": job,
                "pack_job": pack_job,
                "meeting": make_meeting(lmns),
                "event": LearningEvent.objects.create(
                    lmns=lmns, topic=f"Event of {lmns.code}", held_on="2026-05-01"
                ),
            }

    def _visit_records(self, provider) -> dict:
        """A visited provider with an issued report: a finding and a recommendation to answer."""
        # Made by people who get no scheduled emails, so that the reminder tests' counts hold.
        officer = self.personas["superuser"]
        owner = make_user(f"owner-{provider.ods_code}", role=Role.PROVIDER_CONTRIBUTOR, provider=provider)
        visit = make_visit(
            provider,
            created_by=officer,
            visit_on=timezone.localdate() - timedelta(days=7),
            status=VisitStatus.VISITED,
            summary=f"Visit to {provider.ods_code}",
        )
        finding = make_finding(visit)
        recommendation = make_recommendation(finding, owner=owner)
        report = visit_services.report_issue(visit=visit, by=officer)
        return {"visit": visit, "finding": finding, "recommendation": recommendation, "report": report}

    def _workforce_records(self, provider) -> dict:
        """A workforce return, and a confidential concern recorded by the provider's guardian."""
        guardian = self.personas[f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"]
        if provider != self.a1:
            guardian = make_user(
                f"guardian-{provider.ods_code}", role=Role.PROVIDER_FTSU_GUARDIAN, provider=provider
            )
        month = timezone.localdate().replace(day=1)
        concern = make_concern(
            provider,
            summary=f"Secret summary of {provider.ods_code}",
            contact=f"Secret contact of {provider.ods_code}",
            handler=guardian,
            recorded_by=guardian,
        )
        return {"workforce_return": make_workforce_return(provider, month=month), "concern": concern}

    def record(self, kind: str, provider):
        """The world's record of ``kind`` belonging to ``provider`` (or to its LMNS)."""
        if kind in {"meeting", "event", "job", "pack_job"}:
            return self.records[("lmns", provider.lmns_id)][kind]
        return self.records[provider.pk][kind]

    @property
    def providers(self):
        return [self.a1, self.a2, self.b1]

    def visible_lmnss(self, persona: str):
        if persona == "superuser":
            return {self.lmns_a, self.lmns_b}
        return {self.lmns_a} if persona.startswith(("lmns:", "provider:")) else set()

    def visible_providers(self, persona: str):
        """The providers a persona should see: the specification the access code must meet."""
        if persona == "superuser":
            return {self.a1, self.a2, self.b1}
        if persona.startswith("lmns:"):
            return {self.a1, self.a2}
        if persona.startswith("provider:"):
            return {self.a1}
        return set()


def _transactional(item) -> bool:
    """Whether pytest-django runs ``item`` as a TransactionTestCase (its own rule), which
    commits, then empties every table afterwards."""
    marker = item.get_closest_marker("django_db")
    marked = marker is not None and any(marker.kwargs.get(k) for k in ("transaction", "reset_sequences"))
    return marked or not {"transactional_db", "live_server", "django_db_reset_sequences"}.isdisjoint(
        item.fixturenames
    )


def _uses_shared_world(item) -> bool:
    return "world" in item.fixturenames and not _transactional(item)


# First, before xdist's own hook, which reads the xdist_group marks: after it, the browser tests
# were spread over every worker, each busy with Chromium at the same time at the start of a run.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # Keeping pytest-randomly's order and pytest-django's grouping (database tests, then
    # transactional, then the rest) otherwise: the browser tests first, together, so that one
    # Chromium serves them all; then the tests that use the shared world, so that each process
    # builds it once more at most (see SharedWorld). Under xdist (--dist loadgroup) the browser
    # tests run on one worker while the others share the rest: scheduled last, they kept one
    # worker busy for minutes after the other had finished.
    browser = {item for item in items if item.get_closest_marker("browser")}
    for item in browser:
        item.add_marker(pytest.mark.xdist_group("browser"))
    items.sort(key=lambda item: (item not in browser, not _uses_shared_world(item)))


class SharedWorld:
    """One World per test process, kept in an open transaction of its own.

    Each test's transaction (pytest-django's) then opens inside it as a savepoint and rolls
    back to it, as Django's TestCase.setUpTestData does for a class. The world is rolled back
    before a test that must not see it: a database test that does not ask for it, or a
    transactional test (which commits and then empties every table). The next test that asks
    for it builds it again.
    """

    def __init__(self, blocker, media_root):
        self.blocker = blocker
        # The world's files; each test gets a copy in its own MEDIA_ROOT.
        self.media_root = media_root
        self.world = None
        # Each test's copy is unpickled from these bytes: three times quicker than a deepcopy.
        self.pickled = None
        self._atomic = None

    def open(self):
        if self.world is None:
            with self.blocker.unblock(), override_settings(**settings_for_tests(media_root=self.media_root)):
                self._atomic = transaction.atomic()
                self._atomic.__enter__()
                try:
                    self.world = World()
                    self.pickled = pickle.dumps(self.world, pickle.HIGHEST_PROTOCOL)
                except BaseException:
                    self.close()
                    raise

    def close(self):
        if self._atomic is not None:
            with self.blocker.unblock():
                transaction.set_rollback(True)
                self._atomic.__exit__(None, None, None)
            shutil.rmtree(self.media_root, ignore_errors=True)
            self.world = self.pickled = self._atomic = None


@pytest.fixture(scope="session")
def _shared_world(django_db_setup, django_db_blocker, _files_root):
    media_root = Path(tempfile.mkdtemp(prefix="world-", dir=_files_root)) / "media"
    shared = SharedWorld(django_db_blocker, media_root)
    yield shared
    shared.close()


# The apps whose data migrations load reference data (incident types, themes, staff groups...).
REFERENCE_APPS = ("lmns", "incidents", "assurance", "workforce")


@pytest.fixture(scope="session")
def _migrated_reference_rows(django_db_setup, django_db_blocker) -> str:
    """Every row the migrations left in the project's own tables, as a new test database has
    them: all of it, so that no data migration can be forgotten here."""
    with django_db_blocker.unblock():
        return serializers.serialize(
            "json",
            itertools.chain.from_iterable(
                model._base_manager.order_by("pk")
                for app in REFERENCE_APPS
                for model in django_apps.get_app_config(app).get_models()
            ),
        )


def restore_migrated_reference_rows(rows: str):
    with connection.constraint_checks_disabled():
        for row in serializers.deserialize("json", rows):
            row.save()


@pytest.fixture
def _database_around_test(request, _shared_world, _migrated_reference_rows, django_db_blocker):
    """Set up before each database test's own transaction opens, and torn down after it ends."""
    if _uses_shared_world(request.node):
        _shared_world.open()
    else:
        _shared_world.close()
    yield
    if _transactional(request.node):
        # The test emptied every table; the next test, whatever it is, finds the database
        # as migrations left it, so that tests pass in any order and on any xdist worker.
        with django_db_blocker.unblock():
            restore_migrated_reference_rows(_migrated_reference_rows)


@pytest.fixture
def _django_db_helper(_database_around_test, _django_db_helper):
    """pytest-django's per-test transaction (its helper behind ``db`` and the django_db mark),
    opened inside whatever ``_database_around_test`` arranged."""
    return _django_db_helper


@pytest.fixture
def world(request, db, _shared_world, settings):
    """The shared world, as the test's own copy: its objects may be changed freely, and the
    database rolls back to the world after the test."""
    if _shared_world.world is None:
        # Asked for in a way the collection did not see, or by a transactional test.
        return World()
    # Linked, not copied: storage never writes into a file it has saved, only adds and removes
    # them, so a test's changes stay in its own folder while the world's bytes are shared.
    shutil.copytree(_shared_world.media_root, settings.MEDIA_ROOT, copy_function=os.link, dirs_exist_ok=True)
    return pickle.loads(_shared_world.pickled)


@pytest.fixture
def alice(world):
    """A provider lead at A1: may edit A1."""
    return world.personas[f"provider:{Role.PROVIDER_LEAD}"]


@pytest.fixture
def bob(world):
    """A provider contributor at A1: may read A1 but not manage it."""
    return world.personas[f"provider:{Role.PROVIDER_CONTRIBUTOR}"]


# Nothing listens on port 1: the connection is refused at once.
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(request, monkeypatch):
    """Until the returned ``back()`` is called, sending a task fails as with no broker."""
    if request.node.get_closest_marker("services"):
        # A real refusal: connect to a closed port, through fresh connection pools.
        # (Sending uses the write URL; Celery reads broker_url from the environment first.)
        monkeypatch.setitem(celery_app.conf, "broker_write_url", CLOSED_PORT_BROKER)
        monkeypatch.setattr(celery_app, "_pool", None)
        monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    else:

        def refuse(*args, **kwargs):
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        monkeypatch.setattr(Task, "apply_async", refuse)
    return monkeypatch.undo
