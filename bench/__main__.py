"""Run the scale benchmarks (issue #10) and print one table of ratios against their floors.

    .venv/bin/python -m bench                        # SQLite, each bench in a throwaway file
    .venv/bin/python -m bench --database postgres    # the machine's PostgreSQL on 127.0.0.1:5432
    .venv/bin/python -m bench --only quality_view incident_list

Each bench runs as a process of its own (Django is set up once per process, for its own
database) and reports through ``bench.harness.record``. On PostgreSQL each gets a fresh
database named ``lmns_bench_<bench>``, dropped and made again at the start of its run. A
bench that crashes fails the run; a missed target is shown as missed, not as a failure: the
table is the evidence. A bench whose program is not installed (wrk, for HTTP throughput) is
skipped with a message saying how to install it, and the others run: ``make bench`` installs
it as root on Debian.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POSTGRES = "postgres://postgres@127.0.0.1:5432"

# Each bench with the arguments that keep the whole run to minutes; run a bench on its own
# for its other sizes and options (bench/README.md).
BENCHES = {
    "quality_view": ["--sizes", "1", "5", "20", "--repeat", "5"],
    "lmns_overview": [],
    "incident_list": ["--sizes", "6", "30", "--repeat", "5"],
    "board_workbook": ["--sizes", "10", "30", "60", "--repeat", "3"],
    "http_throughput": [],
    "perinatal_signals": [],
}
# Programs a bench runs besides Python, each with how to install it.
TOOLS = {"http_throughput": ("wrk", "sudo apt-get install wrk")}


def fresh_postgres_database(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def run(bench: str, database: str, results: Path) -> float:
    env = {**os.environ, "BENCH_RESULTS": str(results)}
    env.pop("BENCH_DATABASE_URL", None)
    if database == "postgres":
        env["BENCH_DATABASE_URL"] = fresh_postgres_database(f"lmns_bench_{bench}")
    started = time.perf_counter()
    print(f"\n== {bench} ({database})", flush=True)
    subprocess.run([sys.executable, "-m", f"bench.{bench}", *BENCHES[bench]], env=env, check=True)
    return time.perf_counter() - started


def missing_tool(bench: str) -> str | None:
    """Why ``bench`` cannot run here, when a program it needs is not on the PATH."""
    if bench not in TOOLS:
        return None
    program, install = TOOLS[bench]
    if shutil.which(program):
        return None
    return f"{bench} skipped: {program} is not installed ({install}, or `make bench` as root on Debian)."


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def table(lines: list[dict], database: str) -> str:
    heading = (
        f"{'bench':<16} {'case':<38} {'ours':>9} {'floor':>9} {'unit':<6}"
        f" {'ratio':>7} {'target':>7} {'met':<4} {'queries':>7}"
    )
    rows = [f"Database: {database}", heading, "-" * len(heading)]
    for line in lines:
        target = line["target"]
        met = "" if target is None else ("yes" if line["ratio"] <= target else "NO")
        rows.append(
            f"{line['bench']:<16} {line['case']:<38} {_number(line['ours']):>9} {_number(line['floor']):>9}"
            f" {line['unit']:<6} {line['ratio']:>6.2f}x {'' if target is None else f'{target:g}x':>7}"
            f" {met:<4} {'' if line['queries'] is None else line['queries']:>7}"
        )
    notes = [f"  {line['bench']}, {line['case']}: {line['note']}" for line in lines if line["note"]]
    return "\n".join(rows + (["", "Notes:", *notes] if notes else []))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--only", nargs="+", choices=list(BENCHES), default=list(BENCHES))
    parser.add_argument("--output", type=Path, help="also write the results here, as JSON lines")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-results-") as folder:
        results = Path(folder) / "results.jsonl"
        results.touch()
        skipped = {bench: reason for bench in args.only if (reason := missing_tool(bench))}
        for reason in skipped.values():
            print(reason, flush=True)
        took = {bench: run(bench, args.database, results) for bench in args.only if bench not in skipped}
        lines = [json.loads(line) for line in results.read_text().splitlines()]
    print("\n" + table(lines, args.database))
    if took:
        print("\nTook: " + ", ".join(f"{bench} {seconds:.0f} s" for bench, seconds in took.items()))
    # Again under the table, where the eye lands, so that a missing row is never a mystery.
    for reason in skipped.values():
        print(reason)
    if args.output:
        args.output.write_text("".join(json.dumps(line) + "\n" for line in lines))


if __name__ == "__main__":
    main()
