"""The LMNS overview with its outcome signals, and every site's CUSUM, against their floors.

Run from the project folder (it makes its own throwaway SQLite database):

    .venv/bin/python -m bench.perinatal_signals [--sizes 6 30] [--years 5] [--repeat 5]

or against an empty PostgreSQL database of its own (its name must contain "bench"):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lmns_perinatal_bench \\
        .venv/bin/python -m bench.perinatal_signals

Issue #21 asks that, with 30 providers x 5 years of monthly returns, the LMNS overview including
its outcome signals stays within its present ratio to its floor, and that computing every site's
CUSUM is within 2x of the same arithmetic over plain lists.

The data is ``quality.load_data``'s (as ``bench.lmns_overview`` grows it: six providers to an LMNS),
each provider's monthly workforce returns given each of its two birth sites' figures with
``bulk_create``, drawn as the demo draws them (``workforce.perinatal.demo.month_figures``): the
obstetric unit 2,800 to 5,600 births a year, the birth centre beside it 200 to 400, with a
cluster of term stillbirths at one obstetric unit in the last two months. Each provider's
outcome signal (at each of its sites) then runs once; every signal but the last two months' has had its
critical safety check, done six days after it was raised.

- **present**: ``bench.lmns_overview`` on its own small data (6 providers, 3 years, no perinatal
  returns), run as a process of its own with a database of its own in the same run: the
  overview's ratio to its floor as it stands, which the overview with signals should not exceed.
- **overview with signals**: what ``quality.views.quality`` computes before it renders: the
  overview and ``lmns_signals``. The floor is ``bench.lmns_overview``'s SQL and one more query
  for the signals shown (checked to be the same signals). The same without signals is given
  too, so that what the signals cost can be seen.
- **every site's CUSUM**: ``selectors.providers_cusums`` for every provider the viewer sees (each
  of its birth sites' series), against one hand-written SQL query for the same counts by site and
  the Bernoulli CUSUM over plain lists; and the arithmetic alone: the product's
  ``cusum_statistics`` over each site's months against a bare loop over the same lists. Both
  target 2x; both are checked to give the same statistics and levels.

Times and queries as in ``bench.lmns_overview``: CPU on SQLite, wall-clock on PostgreSQL, best of
--repeat; the run fails if a count of ours changes with the number of providers.
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench import harness

harness.setup("perinatal", client=True)

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench import lmns_overview as overview_bench  # noqa: E402
from lmns.access import SYSTEM  # noqa: E402
from lmns.models import Provider, Unit, UnitType  # noqa: E402
from lmns.months import add_months  # noqa: E402
from workforce.models import WorkforceReturn  # noqa: E402
from workforce.perinatal import selectors, services  # noqa: E402
from workforce.perinatal.cusum import cusum_statistics, weights  # noqa: E402
from workforce.perinatal.demo import month_figures  # noqa: E402
from workforce.perinatal.models import OutcomeSignal, PerinatalReturn  # noqa: E402
from workforce.perinatal.quality import lmns_signals  # noqa: E402
from workforce.perinatal.reference import signal_reference  # noqa: E402
from workforce.perinatal.working_days import add_working_days  # noqa: E402

TODAY = overview_bench.TODAY
PERIOD = overview_bench.PERIOD
CLUSTER_SITE = "Z0301"  # quality.load_data's obstetric unit of provider Z03
CLUSTER_MONTHS = (add_months(PERIOD.start, -1), PERIOD.start)
CUSUM_TARGET = 2.0

# --- Data ------------------------------------------------------------------------------------------


def add_perinatal_returns() -> int:
    """Give every generated workforce return without them its birth sites' figures; then run each
    provider's outcome signal as the returns would have run it, checks done but the latest."""
    made = 0
    for provider in Provider.objects.filter(workforce_returns__perinatal_sites__isnull=True).distinct():
        rng = random.Random(f"perinatal-{provider.ods_code}")
        sites = list(Unit.objects.filter(provider=provider).birth_sites())
        # The obstetric unit carries most births, the birth centre beside it a few hundred.
        births = {
            site.pk: rng.randint(2800, 5600)
            if site.unit_type == UnitType.OBSTETRIC_UNIT
            else rng.randint(200, 400)
            for site in sites
        }
        returns = WorkforceReturn.objects.filter(provider=provider, perinatal_sites__isnull=True).order_by(
            "month"
        )
        rows = [
            PerinatalReturn(
                workforce_return=item,
                unit=site,
                **month_figures(
                    rng,
                    births[site.pk],
                    item.month.month,
                    site.ods_site_code == CLUSTER_SITE and item.month in CLUSTER_MONTHS,
                ),
            )
            for item in returns
            for site in sites
        ]
        PerinatalReturn.objects.bulk_create(rows, batch_size=1000)
        made += len(rows)
        cusums = selectors.provider_cusums(provider=provider)
        crossed = [month for series in cusums for month, _ in series.crossings]
        # Run as of the first crossing's return, so that every crossing is still recent enough
        # to open its signal (services open none for older figures); each is then dated below.
        as_of = add_months(min(crossed), 1) if crossed else TODAY
        for signal in services.outcome_signals_detect(provider=provider, today=as_of):
            # Raised when the month's return came in, early the next month.
            signal.raised_on = add_months(signal.month, 1).replace(day=10)
            signal.check_due_on = add_working_days(signal.raised_on, 8)
            if signal.month < CLUSTER_MONTHS[0]:
                signal.check_completed_on = signal.raised_on + timedelta(days=6)
            signal.save()
    return made


# --- The overview with its signals -----------------------------------------------------------------


def overview_ours(user, *, signals: bool = True):
    """What quality.views.quality computes before it renders."""
    overview = overview_bench.ours(user)
    if signals:
        return overview, lmns_signals(
            user=SYSTEM, providers=[q.provider for q in overview.qualities], period=PERIOD
        )
    return overview, None


def signals_floor(provider_ids: list[int]) -> list[tuple]:
    """The signals the overview lists: still open, or raised in the period."""
    ids = ", ".join(["%s"] * len(provider_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, p.name, s.kind, s.measure, s.level, s.month, s.raised_on, s.check_due_on,"
            " s.check_completed_on"
            f" FROM {OutcomeSignal._meta.db_table} s JOIN lmns_provider p ON p.id = s.provider_id"
            f" WHERE s.provider_id IN ({ids})"
            " AND (s.check_completed_on IS NULL OR (s.raised_on >= %s AND s.raised_on < %s))",
            [*provider_ids, PERIOD.start, PERIOD.end],
        )
        return cursor.fetchall()


def overview_floor(provider_ids: list[int], *, signals: bool = True):
    return overview_bench.floor(provider_ids), signals_floor(provider_ids) if signals else None


# --- Every site's CUSUM ----------------------------------------------------------------------------


def cusums_ours(providers):
    return selectors.providers_cusums(providers=providers)


def by_site(cusums: dict) -> dict[int, list]:
    """providers_cusums' series by site id, as the floor keeps them."""
    sites: dict[int, list] = {}
    for series in cusums.values():
        for one in series:
            sites.setdefault(one.unit.pk, []).append(one)
    return sites


def _month_number(value) -> int:
    text = str(value)  # a date, or SQLite's text
    return int(text[:4]) * 12 + int(text[5:7])


def cusum_lists(provider_ids: list[int]) -> dict[int, list[list]]:
    """Each birth site's months (by site id) from its first return to its last, as a list per
    measure of (deaths, births), None for a month without a return: one hand-written query."""
    ids = ", ".join(["%s"] * len(provider_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            # The site's name and code too: the series are titled with them, as ours are.
            "SELECT p.unit_id, u.name, u.ods_site_code, w.month, p.term_stillbirths, p.term_births,"
            " p.term_neonatal_deaths"
            f" FROM {PerinatalReturn._meta.db_table} p"
            f" JOIN {WorkforceReturn._meta.db_table} w ON w.id = p.workforce_return_id"
            f" JOIN {Unit._meta.db_table} u ON u.id = p.unit_id"
            f" WHERE w.provider_id IN ({ids}) ORDER BY p.unit_id, w.month",
            provider_ids,
        )
        rows = cursor.fetchall()
    by_site: dict[int, list[list]] = {}
    previous, stillbirths, neonatal = None, None, None
    for site, _name, _code, month, term_stillbirths, term_births, term_neonatal_deaths in rows:
        number = _month_number(month)
        if site != previous:
            stillbirths, neonatal = [], []
            by_site[site] = [stillbirths, neonatal]
            previous, last = site, number - 1
        for _ in range(number - last - 1):
            stillbirths.append(None)
            neonatal.append(None)
        stillbirths.append((term_stillbirths, term_births))
        neonatal.append((term_neonatal_deaths, max(0, term_births - term_stillbirths)))
        last = number
    return by_site


def plain_cusum(months: list, death: float, survivor: float, amber: float, red: float):
    """The Bernoulli CUSUM over a plain list: W and the level reached, month by month."""
    w, statistics, levels = 0.0, [], []
    for counts in months:
        if counts is None:
            statistics.append(w)
            levels.append(None)
            continue
        deaths, births = counts
        w = max(0.0, w + deaths * death + (births - deaths) * survivor)
        level = "red" if w >= red else "amber" if w >= amber else None
        statistics.append(w)
        levels.append(level)
        if level:
            w = 0.0
    return statistics, levels


def _measures():
    reference = signal_reference()
    return [
        (ref, *weights(ref.reference_rate, reference.rate_ratio), ref.amber, ref.red)
        for ref in reference.measures.values()
    ]


def arithmetic_floor(lists: dict[int, list[list]]):
    measures = _measures()
    return {
        provider: [
            plain_cusum(months, death, survivor, amber, red)
            for months, (_, death, survivor, amber, red) in zip(per_measure, measures, strict=True)
        ]
        for provider, per_measure in lists.items()
    }


def arithmetic_ours(lists: dict[int, list[list]]):
    reference = signal_reference()
    return {
        provider: [
            cusum_statistics(
                months, reference_rate=ref.reference_rate, amber=ref.amber, red=ref.red,
                rate_ratio=reference.rate_ratio,
            )
            for months, ref in zip(per_measure, reference.measures.values(), strict=True)
        ]
        for provider, per_measure in lists.items()
    }  # fmt: skip


def cusums_floor(provider_ids: list[int]):
    return arithmetic_floor(cusum_lists(provider_ids))


def check_cusums(ours: dict, floor: dict) -> None:
    ours = by_site(ours)
    assert set(ours) == set(floor), "sites"
    for provider, series in ours.items():
        for one, (statistics, levels) in zip(series, floor[provider], strict=True):
            assert one.levels == levels, (provider, one.reference.key)
            pairs = zip(one.statistics, statistics, strict=True)
            assert all(math.isclose(a, b, abs_tol=1e-9) for a, b in pairs), (provider, one.reference.key)


def check_arithmetic(ours: dict, floor: dict) -> None:
    for provider, series in ours.items():
        for (statistics, levels), (theirs, their_levels) in zip(series, floor[provider], strict=True):
            assert levels == their_levels and statistics == theirs, provider


# --- Measuring -------------------------------------------------------------------------------------


def present_ratio(repeat: int) -> dict:
    """bench.lmns_overview at its small size, as a process with a database of its own."""
    with tempfile.TemporaryDirectory(prefix="bench-present-") as folder:
        results = Path(folder) / "results.jsonl"
        results.touch()
        env = {**os.environ, "BENCH_RESULTS": str(results)}
        if url := os.environ.get("BENCH_DATABASE_URL"):
            from bench.__main__ import fresh_postgres_database

            env["BENCH_DATABASE_URL"] = fresh_postgres_database(f"{url.rsplit('/', 1)[1]}_present")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.lmns_overview",
                *("--sizes", "6", "--years", "3", "--repeat"),
                str(repeat),
            ],
            env=env,
            check=True,
        )
        (line,) = [json.loads(text) for text in results.read_text().splitlines()]
    return line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[6, 30], help="providers, growing")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-present", action="store_true", help="skip the present ratio's run")
    args = parser.parse_args(argv)

    settings.DEBUG = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    started = time.perf_counter()
    present = None
    if not args.no_present:
        print("== present ratio: bench.lmns_overview, 6 providers, 3 years")
        present = present_ratio(args.repeat)
        harness.record(
            "perinatal",
            "overview now, 6 providers, 3 years",
            ours=present["ours"],
            floor=present["floor"],
            unit="ms",
            queries=present["queries"],
            note="bench.lmns_overview's small size, its own database, no perinatal returns",
        )
        print()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_frameworks", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"Database: {connection.vendor}; clock: {overview_bench.CLOCK.__name__}; {PERIOD.label}")
    heading = (
        f"{'providers':>9} {'case':<24} {'ours ms':>8} {'floor ms':>8} {'ratio':>7}"
        f" {'queries':>7} {'floor q':>7}"
    )
    counts: dict[str, set] = {}
    lines = []
    for size in args.sizes:
        grown = time.perf_counter()
        harness.grow_region(size, args.years, TODAY)
        made = add_perinatal_returns()
        took = time.perf_counter() - grown
        print(f"(grown to {size} providers, {made} perinatal returns more, in {took:.1f} s)")
        user = overview_bench.viewer(size)
        providers = [quality.provider for quality in overview_bench.ours(user).qualities]
        ids = [provider.pk for provider in providers]
        returns = PerinatalReturn.objects.filter(workforce_return__provider__in=ids).count()
        overview, signals = overview_ours(user)
        figures, their_signals = overview_floor(ids)
        overview_bench.check_same(overview, figures)
        assert sorted(s.pk for s in signals) == sorted(row[0] for row in their_signals)
        check_cusums(cusums_ours(providers), cusums_floor(ids))
        lists = cusum_lists(ids)
        check_arithmetic(arithmetic_ours(lists), arithmetic_floor(lists))

        cases = [
            # Its target is the overview's present ratio, measured above.
            (
                "overview with signals",
                lambda: overview_ours(user),  # noqa: B023
                lambda: overview_floor(ids),  # noqa: B023
                round(present["ratio"], 2) if present else None,
            ),
            (
                "overview without signals",
                lambda: overview_ours(user, signals=False),  # noqa: B023
                lambda: overview_floor(ids, signals=False),  # noqa: B023
                None,
            ),
            (
                "signals alone",
                lambda: lmns_signals(user=SYSTEM, providers=providers, period=PERIOD),  # noqa: B023
                lambda: signals_floor(ids),  # noqa: B023
                None,
            ),
            ("every site's CUSUM", lambda: cusums_ours(providers), lambda: cusums_floor(ids), CUSUM_TARGET),  # noqa: B023
            (
                "CUSUM arithmetic alone",
                lambda: arithmetic_ours(lists),  # noqa: B023
                lambda: arithmetic_floor(lists),  # noqa: B023
                CUSUM_TARGET,
            ),
        ]
        page = overview_bench.page_queries(user)
        every = OutcomeSignal.objects.filter(provider__in=ids).count()
        shown = len(signals)
        print(f"\n{size} providers, {args.years} years: {returns:,} returns, {every} signals, {shown} shown")
        print(heading)
        for case, ours, floor, target in cases:
            queries = harness.count_queries(ours)
            floor_queries = harness.count_queries(floor)
            ours_s = floor_s = math.inf
            for _ in range(args.repeat):  # ours and the floor in turn, so a busy spell slows both
                ours_s = min(ours_s, harness.best_time(ours, 1))
                floor_s = min(floor_s, harness.best_time(floor, 1))
            ratio = harness.record(
                "perinatal",
                f"{case}, {size} providers",
                ours=ours_s * 1000,
                floor=floor_s * 1000,
                unit="ms",
                target=target,
                queries=queries,
                note=f"the page: {page} queries" if case == "overview with signals" else "",
            )
            counts.setdefault(case, set()).add(queries)
            lines.append((size, case, ratio))
            print(
                f"{size:>9} {case:<24} {ours_s * 1000:>8.2f} {floor_s * 1000:>8.2f} {ratio:>6.2f}x"
                f" {queries:>7} {floor_queries:>7}"
            )
        print(f"{'':>9} the page: {page} queries")
    print()
    if present:
        print(f"Present ratio (6 providers, 3 years, no signals): {present['ratio']:.2f}x")
        for size, case, ratio in lines:
            if case == "overview with signals":
                within = "within" if ratio <= present["ratio"] else "NOT within"
                print(f"  overview with signals, {size} providers: {ratio:.2f}x, {within} the present ratio")
    for size, case, ratio in lines:
        if "CUSUM" in case:
            within = "within" if ratio <= CUSUM_TARGET else "OVER"
            print(f"  {case}, {size} providers: {ratio:.2f}x, {within} 2x")
    steady = all(len(found) == 1 for found in counts.values())
    print(f"Queries of ours the same at every size: {'yes' if steady else f'NO: {counts}'}")
    print(f"\nTotal: {time.perf_counter() - started:.1f} s")
    if not steady:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
