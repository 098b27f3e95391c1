"""What every bench shares: a database of its own, a clock, and one way to report a result.

A bench module calls ``setup()`` before importing anything that needs Django's settings, so
that it can never touch ``db.sqlite3`` or a configured database:

- by default the database is a SQLite file in a temporary folder, deleted when the bench ends;
- with ``BENCH_DATABASE_URL`` it is that database, whose name must contain "bench".

``python -m bench`` runs every bench with ``BENCH_RESULTS`` naming a file; ``record()``
appends each result there as a line of JSON, and the runner prints them as one table.
"""

import atexit
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import urlparse

# Bench-only values, so that neither DEBUG=true nor real secrets are needed.
SECRET_KEY = "bench-only-not-a-secret"
FTSU_ENCRYPTION_KEY = "YmVuY2gtb25seS1mdHN1LWtleS1ub3QtZm9yLXVzZTA="


_folder: Path | None = None


def setup(name: str, *, client: bool = False) -> Path:
    """Point Django at the bench's own database and start it; return a temporary folder.

    ``client`` is for benches that make requests: the test client speaks plain HTTP to
    "testserver". The folder (with ``MEDIA_ROOT`` inside) is deleted when the process exits.
    A bench that imports another's checks calls this twice: the first call's database stays.
    """
    global _folder
    if _folder is not None:
        return _folder
    folder = tempfile.TemporaryDirectory(prefix=f"bench-{name}-")
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url and "bench" not in urlparse(url).path:
        sys.exit("BENCH_DATABASE_URL must name a database of the bench's own, with 'bench' in its name.")
    os.environ["DATABASE_URL"] = url or f"sqlite:///{Path(folder.name) / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(Path(folder.name) / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lmns.settings")
    os.environ.setdefault("SECRET_KEY", SECRET_KEY)
    os.environ.setdefault("FTSU_ENCRYPTION_KEY", FTSU_ENCRYPTION_KEY)
    if client:
        os.environ["ALLOWED_HOSTS"] = "testserver"
        os.environ["HTTPS"] = "false"
    # Without collectstatic, WhiteNoise warns that STATIC_ROOT is missing; benches serve no static files.
    warnings.filterwarnings("ignore", message="No directory at")

    import django
    from django.db import connections

    django.setup()

    def close():
        connections.close_all()  # before the folder goes: SQLite's file is open until then
        folder.cleanup()

    atexit.register(close)
    _folder = Path(folder.name)
    return _folder


def clock():
    """CPU time of this process on SQLite, which runs in-process, so that other work on the
    machine barely moves it; wall-clock time on a server database, whose work is elsewhere."""
    from django.db import connection

    return time.process_time if connection.vendor == "sqlite" else time.perf_counter


def record(
    bench: str,
    case: str,
    *,
    ours: float,
    floor: float,
    unit: str,
    target: float | None = None,
    queries: int | None = None,
    higher_is_better: bool = False,
    note: str = "",
) -> float:
    """Report one measurement against its floor, measured in the same run; return the ratio.

    The ratio is always "how many times worse than the floor": ours / floor for times and
    memory, floor / ours where more is better (requests per second).
    """
    ratio = floor / ours if higher_is_better else ours / floor
    line = {
        "bench": bench,
        "case": case,
        "ours": ours,
        "floor": floor,
        "unit": unit,
        "ratio": ratio,
        "target": target,
        "queries": queries,
        "note": note,
    }
    path = os.environ.get("BENCH_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as results:
            results.write(json.dumps(line) + "\n")
    return ratio


def best_time(function, repeat: int) -> float:
    """The fastest of ``repeat`` runs of ``function``, in ``clock()``'s seconds."""
    import gc

    measure = clock()
    times = []
    for _ in range(repeat):
        gc.collect()
        started = measure()
        function()
        times.append(measure() - started)
    return min(times)


def count_queries(function) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


def grow_region(providers: int, years: int, today) -> None:
    """Generate load data until there are ``providers`` generated providers, six to an LMNS, so
    that benches measuring two sizes grow one database rather than making two."""
    from lmns.models import Provider
    from quality import load_data

    have = Provider.objects.filter(lmns__code__startswith=load_data.LMNS_CODE_PREFIX).count()
    if providers > have:
        more = providers - have
        load_data.generate(providers=more, years=years, lmnss=max(1, round(more / 6)), seed=1, today=today)
        load_data.analyze()
