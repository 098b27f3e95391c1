"""How long an LMNS-wide board workbook takes, and how much memory, as providers grow.

Run from the project folder (it makes its own throwaway SQLite database):

    .venv/bin/python -m bench.board_workbook [--sizes 10 30 60] [--repeat 3]

Each size is compared with a floor measured in the same run: openpyxl's write-only
mode writing the same sheets, cells and values, with no database and no styling.
A second, styled floor also gives each cell the named style ours has, which shows
how much of the gap is styling (which the board needs) rather than our own code.
For scale, "normal MiB" is the plain floor's peak in openpyxl's normal (not write-only)
mode, which holds every cell until it saves: what memory that is not flat looks like.
Times are CPU seconds (this process, so other work on the machine barely moves them),
the best of --repeat runs without tracemalloc, which slows Python down; peak memory
comes from one further run under tracemalloc.
"""

import argparse
import gc
import io
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

# A throwaway database, set before Django reads its settings: never the real one.
_TMP = tempfile.TemporaryDirectory(prefix="bench-board-")
os.environ["DATABASE_URL"] = f"sqlite:///{Path(_TMP.name) / 'bench.sqlite3'}"
os.environ["MEDIA_ROOT"] = str(Path(_TMP.name) / "media")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lmns.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("FTSU_ENCRYPTION_KEY", "YmVuY2gtb25seS1mdHN1LWtleS1ub3QtZm9yLXVzZTA=")

import django  # noqa: E402

django.setup()

from datetime import date, timedelta  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402
from openpyxl.cell import WriteOnlyCell  # noqa: E402
from openpyxl.styles import NamedStyle  # noqa: E402

from assurance.exports import STYLES, board_workbook  # noqa: E402
from assurance.models import (  # noqa: E402
    Assessment,
    Evidence,
    EvidenceLink,
    Framework,
    FrameworkAction,
    Requirement,
    RequirementAssessment,
    Status,
    Verification,
)
from lmns.models import Lmns, Provider  # noqa: E402

ACTIONS = 10
MiB = 1024 * 1024


@transaction.atomic
def make_data(providers: int, requirements: int = 5):
    """An LMNS of ``providers`` trusts, each with a filled-in assessment of a framework
    of 10 actions with ``requirements`` requirements each."""
    user = get_user_model().objects.create_user("bench", password=None)
    lmns = Lmns.objects.create(name="Bench LMNS", code="bench")
    framework = Framework.objects.create(
        slug="bench-mis", name="Bench scheme", publisher="Bench", version="1", source_file="bench"
    )
    for a in range(1, ACTIONS + 1):
        action = FrameworkAction.objects.create(
            framework=framework, code=f"SA{a}", title=f"Safety action {a} " + "x" * 60, order=a
        )
        Requirement.objects.bulk_create(
            Requirement(
                action=action,
                code=f"{a}.{r}",
                title=f"Requirement {a}.{r}",
                text=f"Requirement {a}.{r}: the trust can show that it " + "meets the standard " * 8,
                order=r,
            )
            for r in range(1, requirements + 1)
        )
    requirements = list(Requirement.objects.filter(action__framework=framework))
    statuses = [Status.MET, Status.MET, Status.PARTIALLY_MET, Status.NOT_MET, Status.NOT_APPLICABLE]
    verifications = [Verification.ACCEPTED, Verification.AWAITING, Verification.NOT_SUBMITTED]
    for p in range(providers):
        provider = Provider.objects.create(
            lmns=lmns, name=f"Bench Trust {p:03d} NHS Foundation Trust", ods_code=f"B{p:03d}"
        )
        assessment = Assessment.objects.create(provider=provider, framework=framework)
        items = [RequirementAssessment(assessment=assessment, requirement=r) for r in requirements]
        for n, item in enumerate(items):
            item.status = statuses[n % len(statuses)]
            item.verification = verifications[(n + p) % len(verifications)]
            item.commentary = (
                f"Provider {p}, item {n}: " + "audit results reviewed at the safety champions meeting " * 2
            )
            if item.status == Status.NOT_APPLICABLE:
                item.not_applicable_reason = "No neonatal unit on this site."
            if item.status in {Status.NOT_MET, Status.PARTIALLY_MET}:
                item.action_plan = f"Plan {p}.{n}: recruit and train; re-audit in three months."
                item.action_owner = "Director of Midwifery"
                item.action_due_on = date(2027, 3, 31) + timedelta(days=n)
        items = RequirementAssessment.objects.bulk_create(items)
        evidence = Evidence.objects.create(
            provider=provider,
            description="Audit",
            url="https://example.invalid/audit",
            effective_from=date(2026, 4, 1),
            added_by=user,
        )
        EvidenceLink.objects.bulk_create(
            EvidenceLink(evidence=evidence, item=item, linked_by=user, to_review=n % 4 == 0)
            for n, item in enumerate(items)
            if n % 2 == 0
        )
    return lmns, framework, user


def ours(lmns, framework, user, providers):
    buffer = io.BytesIO()
    board_workbook(framework=framework, providers=providers, lmns=lmns, generated_by=user).save(buffer)
    return buffer


def floor(sheets, styled=False, write_only=True):
    """The same sheets and values through write-only openpyxl: no database, no styles
    (or, if ``styled``, each cell's named style from ours)."""
    buffer = io.BytesIO()
    workbook = Workbook(write_only=write_only)
    if not write_only:
        workbook.remove(workbook.active)
    for name, style in STYLES.items():
        workbook.add_named_style(NamedStyle(name=name, **style))
    for title, rows in sheets:
        worksheet = workbook.create_sheet(title)
        for row in rows:
            if styled:
                worksheet.append([_styled(worksheet, value, style) for value, style in row])
            else:
                worksheet.append([value for value, _ in row])
    workbook.save(buffer)
    return buffer


def _styled(worksheet, value, style):
    if value is None:
        return None
    cell = WriteOnlyCell(worksheet, value)
    cell.style = style
    return cell


def cells_of(content: bytes):
    """Every sheet's values and named styles, read back from our workbook, to feed the floors."""
    workbook = load_workbook(io.BytesIO(content))
    return [
        (ws.title, [[(cell.value, cell.style) for cell in row] for row in ws.iter_rows()]) for ws in workbook
    ]


def best_time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        started = time.process_time()
        function()
        times.append(time.process_time() - started)
    return min(times)


def peak_memory(function) -> float:
    gc.collect()
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / MiB


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 30, 60])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--requirements",
        type=int,
        default=5,
        help="per action (10 actions); try 50 to see rows cost no memory",
    )
    args = parser.parse_args(argv)

    settings.DEBUG = False  # no query log: it would cost time and memory of its own
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    lmns, framework, user = make_data(max(args.sizes), args.requirements)
    all_providers = list(Provider.objects.filter(lmns=lmns).order_by("name"))
    print(
        f"Set-up: {time.perf_counter() - started:.1f} s; "
        f"{ACTIONS} actions x {args.requirements} requirements per provider"
    )
    print()
    print(
        f"{'N':>4} {'ours s':>8} {'floor s':>8} {'ratio':>6} {'ours MiB':>9} {'floor MiB':>10} {'ratio':>6}"
        f" {'styled floor s':>15} {'ratio':>6} {'normal MiB':>11} {'queries':>8} {'cells':>7} {'xlsx KiB':>9}"
    )
    for size in args.sizes:
        providers = all_providers[:size]
        with CaptureQueriesContext(connection) as queries:
            content = ours(lmns, framework, user, providers).getvalue()
        sheets = cells_of(content)
        cells = sum(len(row) for _, rows in sheets for row in rows)
        ours_s = best_time(lambda: ours(lmns, framework, user, providers), args.repeat)  # noqa: B023
        floor_s = best_time(lambda: floor(sheets), args.repeat)  # noqa: B023
        styled_s = best_time(lambda: floor(sheets, styled=True), args.repeat)  # noqa: B023
        ours_mib = peak_memory(lambda: ours(lmns, framework, user, providers))  # noqa: B023
        floor_mib = peak_memory(lambda: floor(sheets))  # noqa: B023
        normal_mib = peak_memory(lambda: floor(sheets, write_only=False))  # noqa: B023
        print(
            f"{size:>4} {ours_s:>8.3f} {floor_s:>8.3f} {ours_s / floor_s:>6.2f} {ours_mib:>9.2f}"
            f" {floor_mib:>10.2f} {ours_mib / floor_mib:>6.2f} {styled_s:>15.3f} {ours_s / styled_s:>6.2f}"
            f" {normal_mib:>11.2f} {len(queries):>8} {cells:>7}"
            f" {len(content) / 1024:>9.0f}"
        )
    print(f"\nTotal: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    finally:
        connection.close()
        _TMP.cleanup()
