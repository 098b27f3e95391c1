"""The SQLite test database, migrated once and then copied.

Migrating from nothing costs each test process some 13 s of CPU, most of it Django re-rendering
model states after every operation. On SQLite each process's test database lives in memory, so
the migrated result is kept as a file, keyed by everything that decides what the migrations
make, and each process loads it into its in-memory database with SQLite's backup API (as
Django's own parallel runner clones in-memory databases). Django's test-database setup then
finds every migration applied and only checks.
"""

import ast
import fcntl
import hashlib
import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from functools import cache
from importlib import metadata
from pathlib import Path

from django.db import connections

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lmns", "incidents", "assurance", "workforce", "quality")
DATA_SUFFIXES = {".yaml", ".yml", ".json", ".csv"}


def _module_file(name: str) -> Path | None:
    path = ROOT.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _project_imports(source: Path) -> set[str]:
    """The project modules ``source`` imports (each name and its parent packages)."""
    package = list(source.relative_to(ROOT).parent.parts)
    names = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            found = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] if node.level else [])
            module = ".".join(filter(None, [base, node.module]))
            found = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in found:
            parts = name.split(".")
            if parts[0] in PACKAGES:
                names.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
    return names


def _inputs() -> list[Path]:
    """Every file whose content can change what the migrations make: the migrations, the project
    code they import (followed to the end), and the project's data files they may read."""
    # Sub-apps keep theirs a level down (quality/api/migrations/).
    migrations = sorted(p for package in PACKAGES for p in (ROOT / package).glob("**/migrations/*.py"))
    seen, queue = set(), list(migrations)
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        queue.extend(f for name in _project_imports(path) if (f := _module_file(name)) is not None)
    data = {p for package in PACKAGES for p in (ROOT / package).rglob("*") if p.suffix in DATA_SUFFIXES}
    return sorted(seen | data)


@cache
def cache_key() -> str:
    digest = hashlib.sha256()
    for path in _inputs():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    # Third-party apps ship migrations of their own; Python's sqlite3 decides the file format.
    for dist in sorted(metadata.distributions(), key=lambda d: d.metadata["Name"].lower()):
        digest.update(f"{dist.metadata['Name']}=={dist.version}\n".encode())
    digest.update(f"{sys.version}\n{sqlite3.sqlite_version}".encode())
    return digest.hexdigest()[:20]


# Migrates with the clock at the start of the run's test date (tests/conftest.py pins the tests'
# clock to that date): a history row a migration writes is then never dated after the change a
# test makes, as it was when a run started after the tests' latest start time, whose clock runs
# behind the real one, and a test's change sorted before the migration's row.
_MIGRATE_AT = """
import sys
from datetime import datetime

import time_machine
from django.core.management import execute_from_command_line

with time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=True):
    execute_from_command_line(["manage.py", "migrate", "--no-input", "--verbosity", "0"])
"""


def migrated_template(cache_dir: Path, *, day: datetime) -> Path:
    """The migrated database file for the present code, migrated as at ``day`` (the start of the
    run's test date), built here if no process has yet."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    key = cache_key()
    template = cache_dir / f"migrated-{key}-{day:%Y%m%d}.sqlite3"
    # One process builds; the others (xdist's workers, or another run) wait for it.
    with open(cache_dir / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            # Databases of other code: the migrated one, and the states tests/migrating.py kept.
            for old in [*cache_dir.glob("migrated-*.sqlite3"), *cache_dir.glob("state-*.sqlite3")]:
                old.unlink(missing_ok=True)
            partial = template.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            # A process of its own, so that nothing of this one's connections or app state is touched.
            subprocess.run(
                [sys.executable, "-c", _MIGRATE_AT, day.isoformat()],
                cwd=ROOT,
                env={
                    **os.environ,
                    "DATABASE_URL": f"sqlite:///{partial}",
                    "DJANGO_SETTINGS_MODULE": "lmns.settings",
                },
                check=True,
            )
            os.replace(partial, template)
    return template


def is_in_memory_sqlite(connection) -> bool:
    """Whether ``connection``'s test database is SQLite in memory, which these copies serve."""
    creation = connection.creation
    return connection.vendor == "sqlite" and creation.is_in_memory_db(creation._get_test_db_name())


# This process's own copy of the migrated database, in memory: tests that migrate the database
# put it back from here, whatever another run has since done to the files in the cache.
_latest: sqlite3.Connection | None = None


def preload_in_memory_test_database(cache_dir: Path, *, day: datetime) -> sqlite3.Connection | None:
    """Fill the default alias's in-memory test database from the migrated template.

    Returns the connection that keeps that database alive (SQLite drops a shared in-memory
    database when its last connection closes), or None where the test database is not SQLite in
    memory, as on PostgreSQL, which then migrates as usual.
    """
    global _latest
    if not is_in_memory_sqlite(connections["default"]):
        return None
    # Django's own name for the test database: "file:memorydb_default?mode=memory&cache=shared".
    name = connections["default"].creation._get_test_db_name()
    source = sqlite3.connect(migrated_template(cache_dir, day=day))
    keeper = sqlite3.connect(name, uri=True)
    _latest = sqlite3.connect(":memory:")
    try:
        source.backup(keeper)
        source.backup(_latest)
    finally:
        source.close()
    return keeper


def restore_latest(target: sqlite3.Connection) -> bool:
    """Copy the migrated database over ``target``; False where this process has no copy."""
    if _latest is None:
        return False
    _latest.backup(target)
    return True
