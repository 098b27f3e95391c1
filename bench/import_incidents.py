"""How fast a large risk-system export is imported, and how much memory it takes.

Run from the project folder (it makes its own throwaway SQLite database):

    .venv/bin/python -m bench.import_incidents [--rows 50000]

It writes an xlsx export of ``--rows`` incidents in the ready-made Datix mapping's shape,
then measures, in the same run:

- **floor**: openpyxl merely reading the file (read-only mode, every cell of every row).
- **preview**: ``incident_import_start(..., background=False)``, which stores the file and
  runs ``incident_import_check``, the function the Celery task runs: every row parsed,
  mapped and put through ``Incident.full_clean``, with no incidents yet.
- **apply**: ``incident_import_apply_start(..., background=False)``, which runs
  ``incident_import_apply`` (the task's function): every row checked again and written,
  in one transaction.
- **re-import**: the same file previewed again; every row should be unchanged.

Times are CPU seconds of this process (``time.process_time``; SQLite runs in-process, so
its work counts). Peak memory is from a second preview and apply under tracemalloc, after
deleting the incidents (Python allocations only), and the process's peak resident size.
"""

import argparse
import resource
import time
import tracemalloc
from pathlib import Path

from bench import harness

FOLDER = harness.setup("import")

from datetime import date, timedelta  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from incidents.imports import services  # noqa: E402
from incidents.imports.models import ImportStatus  # noqa: E402
from incidents.models import Incident, IncidentType  # noqa: E402
from lmns.models import Lmns, Provider  # noqa: E402

MiB = 1024 * 1024
HEADINGS = [
    "Ref",
    "Incident date",
    "Reported date",
    "Type",
    "Result",
    "Psychological harm",
    "Description",
    "Trust code",
]
HARMS = ["No harm", "Low harm", "Low harm", "Moderate harm", "Severe harm", "Death"]


def write_export(path: Path, rows: int, types: list[str]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADINGS)
    start = date(2024, 1, 1)
    for n in range(rows):
        occurred = start + timedelta(days=n % 700)
        sheet.append(
            [
                f"W{n:06d}",
                occurred,
                occurred + timedelta(days=n % 5),
                types[n % len(types)],
                HARMS[n % len(HARMS)],
                "No harm",
                f"Delay in escalating an abnormal CTG on the labour ward; case {n} reviewed at huddle.",
                "BEN",
            ]
        )
    workbook.save(path)


def floor(path: Path) -> tuple[float, int]:
    started = time.process_time()
    workbook = load_workbook(path, read_only=True)
    cells = 0
    for row in workbook.worksheets[0].iter_rows():
        for cell in row:
            cell.value  # noqa: B018
            cells += 1
    workbook.close()
    return time.process_time() - started, cells


def preview(provider, user, path: Path):
    with path.open("rb") as file:
        return services.incident_import_start(
            provider=provider,
            mapping_name="datix",
            file=File(file, name=path.name),
            by=user,
            background=False,
        )


def apply(incident_import, user) -> None:
    services.incident_import_apply_start(incident_import=incident_import, by=user, background=False)
    incident_import.refresh_from_db()
    assert incident_import.status == ImportStatus.APPLIED, incident_import.problems[:3]


def timed(function, *args):
    started = time.process_time()
    result = function(*args)
    return time.process_time() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    settings.DEBUG = False  # no query log growing with every row
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password=None)
    provider = Provider.objects.create(
        lmns=Lmns.objects.create(name="Bench LMNS", code="bench"), name="Bench NHS Trust", ods_code="BEN"
    )
    types = list(IncidentType.objects.active().values_list("name", flat=True))
    path = FOLDER / "export.xlsx"
    write_export(path, args.rows, types)
    print(f"{args.rows:,} rows, xlsx {path.stat().st_size / MiB:.1f} MiB")

    floor_s, cells = floor(path)
    preview_s, incident_import = timed(preview, provider, user, path)
    assert incident_import.problem_count == 0, incident_import.problems[:3]
    assert incident_import.to_create == args.rows
    apply_s, _ = timed(apply, incident_import, user)
    again_s, again = timed(preview, provider, user, path)
    assert (again.to_create, again.to_update, again.unchanged) == (0, 0, args.rows)

    Incident.objects.all().delete()
    tracemalloc.start()
    apply(preview(provider, user, path), user)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    rows = args.rows
    print(f"{'':>10} {'CPU s':>8} {'rows/s':>9} {'x floor':>8}")
    for name, seconds in [
        ("floor", floor_s),
        ("preview", preview_s),
        ("apply", apply_s),
        ("both", preview_s + apply_s),
        ("re-import", again_s),
    ]:
        print(f"{name:>10} {seconds:8.2f} {rows / seconds:9.0f} {seconds / floor_s:8.2f}")
        if name != "floor":
            harness.record(
                "import_incidents", f"{name}, {rows:,} rows", ours=seconds, floor=floor_s, unit="s"
            )
    print(f"floor read {cells:,} cells")
    print(f"peak traced memory (preview + apply): {peak / MiB:.1f} MiB; peak RSS {max_rss:.0f} MiB")
    print(f"re-import: {again.to_create} created, {again.to_update} updated, {again.unchanged} unchanged")


if __name__ == "__main__":
    main()
