"""Moving the test database between migrations, for the tests of data migrations.

Unapplying migrations from the latest state and applying them again cost each such test up to 45 s
of CPU on a fresh clone: Django renders the models' state around every operation and, on SQLite,
rebuilds each altered table. Only the step a test is about has to run for real. On SQLite in
memory (tests/migrated_database.py):
- the state a test starts from is reached forward from an empty database, and kept as a file
  keyed like the migrated database and by the targets, so that later tests and runs copy it in;
- the latest state is put back by copying in the process's own copy of the migrated database,
  not by migrating forward.
Elsewhere (PostgreSQL) every step migrates, as Django's own migration tests do.
"""

import hashlib
import os
import sqlite3
from pathlib import Path

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

from tests import migrated_database

Targets = list[tuple[str, str]]

FEATURE_APPS = {"incidents", "assurance", "workforce", "api"}


class Migrator:
    def __init__(self, cache_dir: Path):
        self.cache_dir = cache_dir
        connection.ensure_connection()
        self.copies = migrated_database.is_in_memory_sqlite(connection)

    def _copy_into_database(self, path: Path) -> bool:
        """False where the file is gone (a run of other code rebuilt the cache meanwhile)."""
        try:
            # Read-only, so that a missing file is an error rather than a new empty database.
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except sqlite3.OperationalError:
            return False
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        return True

    @staticmethod
    def _empty_database():
        empty = sqlite3.connect(":memory:")
        try:
            empty.backup(connection.connection)
        finally:
            empty.close()

    @staticmethod
    def _base_leaves(graph, targets: Targets) -> Targets:
        """The latest migration of each app below the features, unless it needs what comes after
        ``targets``."""
        after = set()
        for app, name in targets:
            for child in graph.node_map[(app, name)].children:
                if child.key[0] == app:
                    after.update(graph.backwards_plan(child.key))
        return [
            leaf
            for leaf in graph.leaf_nodes()
            if leaf[0] not in FEATURE_APPS and after.isdisjoint(graph.forwards_plan(leaf))
        ]

    def _kept_state(self, targets: Targets) -> Path:
        name = ",".join(f"{app}.{migration}" for app, migration in sorted(targets))
        digest = hashlib.sha256(name.encode()).hexdigest()[:12]
        return self.cache_dir / f"state-{migrated_database.cache_key()}-{digest}.sqlite3"

    def reach(self, targets: Targets) -> StateApps:
        """The database as it was at ``targets``, where the test starts: copied in where a copy is
        kept, otherwise migrated to and kept."""
        if not self.copies:
            return self.migrate(targets)
        kept = self._kept_state(targets)
        if self._copy_into_database(kept):
            return MigrationExecutor(connection).loader.project_state(targets).apps
        # Forward from an empty database rather than back from the latest state, which cost up to
        # a minute of CPU for one test (a fresh clone, as in CI, has no kept copy). Only the
        # targets and what they depend on are applied, and the apps below the features (Django's,
        # the libraries', lmns) at their latest, as tests make users and providers with today's
        # models.
        self._empty_database()
        executor = MigrationExecutor(connection)
        executor.migrate(targets + self._base_leaves(executor.loader.graph, targets))
        apps = executor.loader.project_state(targets).apps
        partial = kept.with_suffix(f".{os.getpid()}.partial")
        destination = sqlite3.connect(partial)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        # Another process may keep the same state at the same time: each writes its own file
        # and the rename makes one of them whole.
        os.replace(partial, kept)
        return apps

    def migrate(self, targets: Targets) -> StateApps:
        """Run the migrations to ``targets`` for real: the step a test is about."""
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def back_to_latest(self):
        """Every app at its latest migration, as every other test expects the database."""
        if not (self.copies and migrated_database.restore_latest(connection.connection)):
            executor = MigrationExecutor(connection)
            executor.migrate(executor.loader.graph.leaf_nodes())
