"""How long the LMNS quality overview takes, against the same figures in hand-written SQL.

Run from the project folder (it makes its own throwaway SQLite database):

    .venv/bin/python -m bench.lmns_overview [--sizes 6 30] [--years 3] [--repeat 5]

or against an empty PostgreSQL database of its own (its name must contain "bench"):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lmns_overview_bench \\
        .venv/bin/python -m bench.lmns_overview

A size is a number of providers, each with --years of history made by ``quality.load_data``
(``manage.py generate_load_data``): about 1,500 incidents a year with learning, safety actions and
SSIG meetings, an assessment of every loaded framework, visits, monthly workforce returns and
Freedom to Speak Up concerns. The sizes grow one database, six providers to an LMNS. At 6, an
LMNS officer of the first LMNS asks for the overview (its six providers); at 30, a superuser
(every provider of the region's five LMNSs), as the overview page offers each of them.

"ours" is what the overview page computes for October 2026: the providers the user may see
and ``quality.quality.lmns_overview`` for them, with every cell's worst rating and the list of
special cause concerns read, as the template reads them. The floor, measured in the same run,
is hand-written SQL through ``connection.cursor()`` returning the same raw figures for all the
providers at once (each query grouped by provider): no ratings, SPC or formatting, in SQL that
SQLite and PostgreSQL both run. Before timing, the bench checks that the floor's figures are
the ones each provider's row of the overview shows. On SQLite, times are CPU seconds of this
process (the engine runs in-process); on PostgreSQL they are wall-clock seconds, as the server
works in another process (``harness.clock``). Best of --repeat runs. "queries" is for ours,
and must not change with the number of providers; the page's own count (session, user, menus
as well) is given beside it.
"""

import argparse
import os
import sys
import time

from bench import harness

harness.setup("overview", client=True)

from collections import defaultdict  # noqa: E402
from datetime import date, datetime  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from assurance.visits.models import VisitType  # noqa: E402
from incidents.models import Incident, PhysicalHarm  # noqa: E402
from lmns.access import SYSTEM  # noqa: E402
from lmns.models import Membership, Provider, Role  # noqa: E402
from lmns.months import add_months  # noqa: E402
from quality.quality import SPC_MONTHS, lmns_overview, month_period  # noqa: E402
from workforce.models import MEASURES, FtsuCategory  # noqa: E402
from workforce.selectors import latest_complete_quarter, suppress  # noqa: E402

TODAY = date(2026, 11, 30)  # fixed, so that every run makes and measures the same data
PERIOD = month_period(date(2026, 10, 1))
TARGET = 3.0  # issue #10 groups the overview with the quality view: within 3x its SQL floor


def ftsu_categories() -> list[tuple[str, str]]:
    """The deployment-wide FTSU categories a provider's page counts: (code, label), in order."""
    return list(FtsuCategory.objects.filter(lmns__isnull=True, is_active=True).values_list("code", "label"))


def category_sums() -> str:
    """One SQL column per category: how many of the concerns counted have it."""
    return "".join(
        ", SUM(CASE WHEN EXISTS (SELECT 1 FROM workforce_ftsuconcern_categories l"
        " JOIN workforce_ftsucategory c ON c.id = l.ftsucategory_id"
        f" WHERE l.ftsuconcern_id = workforce_ftsuconcern.id AND c.code = '{code}') THEN 1 ELSE 0 END)"
        for code, _ in ftsu_categories()
    )


# --- Ours ------------------------------------------------------------------------------------------


def ours(user):
    """What quality.views.quality computes before it renders."""
    providers = list(Provider.objects.visible_to(user).select_related("lmns").order_by("name"))
    overview = lmns_overview(user=SYSTEM, providers=providers, period=PERIOD, today=TODAY)
    for quality in overview.qualities:
        for domain in quality.domains:
            domain.worst  # noqa: B018 - read by the template for every cell
    overview.concerns  # noqa: B018
    return overview


# --- The floor: the same figures in hand-written SQL, all providers at once -------------------------

DONE = "'met', 'not_applicable'"


def _local_midnight(day: date):
    return connection.ops.adapt_datetimefield_value(
        timezone.make_aware(datetime(day.year, day.month, day.day))
    )


def floor(provider_ids: list[int]) -> dict[int, dict]:
    """Every figure the overview rates or charts, for every provider, straight from SQL."""
    months = [add_months(PERIOD.last_month, offset) for offset in range(1 - SPC_MONTHS, 1)]
    quarter = latest_complete_quarter(PERIOD.last_day)
    start, end = PERIOD.start, PERIOD.end
    ids = ", ".join(["%s"] * len(provider_ids))
    categories = len(ftsu_categories())  # once: in the comprehension it was a query a provider
    figures = {
        provider: {
            "by_harm": [],
            "psiis_open": 0,
            "by_month": defaultdict(int),
            "first": None,
            "learning_shared": 0,
            "actions_overdue": 0,
            "compliance": [],
            "last_visit": None,
            "recommendations": (0, 0),
            "immediate": 0,
            "workforce": [],
            "ftsu": [0] * (1 + categories),
        }
        for provider in provider_ids
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT provider_id, physical_harm, COUNT(*),"
            " SUM(CASE WHEN mnsi_referred_on IS NOT NULL THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN EXISTS (SELECT 1 FROM incidents_incidentreferral r"
            " JOIN incidents_referralbody b ON b.id = r.body_id"
            " WHERE r.incident_id = incidents_incident.id AND b.code = 'pmrt') THEN 1 ELSE 0 END),"
            # Moderate harm or worse, physical or psychological (incidents.models.MODERATE_OR_WORSE).
            " SUM(CASE WHEN physical_harm IN ('moderate', 'severe', 'fatal')"
            "  OR psychological_harm IN ('moderate', 'severe') THEN 1 ELSE 0 END)"
            f" FROM incidents_incident WHERE provider_id IN ({ids})"
            " AND occurred_on >= %s AND occurred_on < %s GROUP BY provider_id, physical_harm",
            [*provider_ids, start, end],
        )
        for provider, harm, n, mnsi, pmrt, serious in cursor.fetchall():
            figures[provider]["by_harm"].append((harm, n, mnsi, pmrt, serious))
        cursor.execute(
            f"SELECT provider_id, COUNT(*) FROM incidents_incident WHERE provider_id IN ({ids})"
            " AND response_type = 'psii' AND status <> 'closed' GROUP BY provider_id",
            provider_ids,
        )
        for provider, n in cursor.fetchall():
            figures[provider]["psiis_open"] = n
        # By day, added up by month here: portable SQL has no month function.
        cursor.execute(
            f"SELECT provider_id, occurred_on, COUNT(*) FROM incidents_incident WHERE provider_id IN ({ids})"
            " AND occurred_on >= %s AND occurred_on < %s GROUP BY provider_id, occurred_on",
            [*provider_ids, months[0], end],
        )
        for provider, day, n in cursor.fetchall():
            figures[provider]["by_month"][str(day)[:7]] += n
        # A subquery for each provider reads one index entry; grouped, MIN reads every incident.
        cursor.execute(
            "SELECT p.id, (SELECT MIN(i.occurred_on) FROM incidents_incident i WHERE i.provider_id = p.id)"
            f" FROM lmns_provider p WHERE p.id IN ({ids})",
            provider_ids,
        )
        for provider, first in cursor.fetchall():
            figures[provider]["first"] = str(first)[:7] if first else None
        cursor.execute(
            "SELECT l.provider_id, COUNT(*) FROM incidents_learning l"
            " JOIN incidents_ssigsubmission s ON s.learning_id = l.id"
            " JOIN incidents_ssigmeeting m ON m.id = s.meeting_id"
            f" WHERE l.provider_id IN ({ids}) AND l.status = 'shared' AND m.held_at >= %s AND m.held_at < %s"
            " GROUP BY l.provider_id",
            [*provider_ids, _local_midnight(start), _local_midnight(end)],
        )
        for provider, n in cursor.fetchall():
            figures[provider]["learning_shared"] = n
        cursor.execute(
            f"SELECT provider_id, COUNT(*) FROM incidents_safetyaction WHERE provider_id IN ({ids})"
            " AND status <> 'completed' AND due_on < %s GROUP BY provider_id",
            [*provider_ids, TODAY],
        )
        for provider, n in cursor.fetchall():
            figures[provider]["actions_overdue"] = n
        # Per provider and current framework version: actions, met (every requirement met or
        # n/a), verified (and accepted), overdue action plans, and the next deadline.
        cursor.execute(
            "SELECT s.provider_id, f.name, COUNT(*),"
            " SUM(CASE WHEN x.total > 0 AND x.done = x.total THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN x.total > 0 AND x.verified = x.total THEN 1 ELSE 0 END),"
            " COALESCE(SUM(x.overdue), 0),"
            " (SELECT MIN(d.due_on) FROM assurance_deadline d WHERE d.framework_id = f.id AND d.due_on >= %s)"
            " FROM assurance_assessment s"
            " JOIN assurance_framework f ON f.id = s.framework_id"
            " JOIN assurance_frameworkaction a ON a.framework_id = s.framework_id"
            " LEFT JOIN (SELECT i.assessment_id, r.action_id, COUNT(*) AS total,"
            f"  SUM(CASE WHEN i.status IN ({DONE}) THEN 1 ELSE 0 END) AS done,"
            f"  SUM(CASE WHEN i.status IN ({DONE}) AND i.verification = 'accepted' THEN 1 ELSE 0 END)"
            "   AS verified,"
            f"  SUM(CASE WHEN i.status NOT IN ({DONE}) AND i.action_due_on < %s THEN 1 ELSE 0 END) AS overdue"
            "  FROM assurance_requirementassessment i"
            "  JOIN assurance_requirement r ON r.id = i.requirement_id"
            "  JOIN assurance_assessment s2 ON s2.id = i.assessment_id"
            f"  WHERE s2.provider_id IN ({ids})"
            "  GROUP BY i.assessment_id, r.action_id) x ON x.assessment_id = s.id AND x.action_id = a.id"
            f" WHERE s.provider_id IN ({ids}) AND f.id NOT IN"
            "  (SELECT previous_id FROM assurance_framework WHERE previous_id IS NOT NULL)"
            " GROUP BY s.provider_id, f.id, f.name ORDER BY s.provider_id, f.id",
            [TODAY, TODAY, *provider_ids, *provider_ids],
        )
        for provider, *position in cursor.fetchall():
            figures[provider]["compliance"].append(tuple(position))
        # Each provider's latest visit: the one no later visit (by date, then id) beats.
        cursor.execute(
            "SELECT v.provider_id, v.visit_on, v.visit_type FROM assurance_visit v"
            f" WHERE v.provider_id IN ({ids})"
            " AND v.visit_on <= %s AND v.status NOT IN ('planned', 'cancelled')"
            " AND NOT EXISTS (SELECT 1 FROM assurance_visit w WHERE w.provider_id = v.provider_id"
            "  AND w.visit_on <= %s AND w.status NOT IN ('planned', 'cancelled')"
            "  AND (w.visit_on > v.visit_on OR (w.visit_on = v.visit_on AND w.id > v.id)))",
            [*provider_ids, TODAY, TODAY],
        )
        for provider, visit_on, visit_type in cursor.fetchall():
            figures[provider]["last_visit"] = (visit_on, visit_type)
        cursor.execute(
            "SELECT v.provider_id, COUNT(*), SUM(CASE WHEN r.due_on < %s THEN 1 ELSE 0 END)"
            " FROM assurance_recommendation r JOIN assurance_visit v ON v.id = r.visit_id"
            f" WHERE v.provider_id IN ({ids}) AND v.status IN ('report_issued', 'closed')"
            " AND r.status <> 'closed' GROUP BY v.provider_id",
            [TODAY, *provider_ids],
        )
        for provider, n, overdue in cursor.fetchall():
            figures[provider]["recommendations"] = (n, overdue)
        cursor.execute(
            "SELECT v.provider_id, COUNT(*)"
            " FROM assurance_finding f JOIN assurance_visit v ON v.id = f.visit_id"
            f" WHERE v.provider_id IN ({ids}) AND f.kind = 'immediate'"
            " AND v.status NOT IN ('closed', 'cancelled')"
            " GROUP BY v.provider_id",
            provider_ids,
        )
        for provider, n in cursor.fetchall():
            figures[provider]["immediate"] = n
        # Each measure as MEASURES defines it, training by its lowest staff group; rates unrounded
        # (ours rounds to 0.1).
        cursor.execute(
            "SELECT provider_id, month, funded_midwife_wte, in_post_midwife_wte, birthrate_plus_wte,"
            " CASE WHEN funded_midwife_wte > 0 THEN CASE WHEN in_post_midwife_wte >= funded_midwife_wte"
            "  THEN 0 ELSE (funded_midwife_wte - in_post_midwife_wte) * 100.0 / funded_midwife_wte END END,"
            " turnover_rate, in_post_msw_wte,"
            " CASE WHEN funded_msw_wte > 0 THEN CASE WHEN in_post_msw_wte >= funded_msw_wte"
            "  THEN 0 ELSE (funded_msw_wte - in_post_msw_wte) * 100.0 / funded_msw_wte END END,"
            " CASE WHEN women_in_labour > 0 THEN one_to_one_care * 100.0 / women_in_labour END,"
            " CASE WHEN coordinator_shifts > 0 THEN supernumerary_shifts * 100.0 / coordinator_shifts END,"
            " consultant_hours, preceptees,"
            " (SELECT MIN(t.compliant * 100.0 / t.in_scope) FROM workforce_trainingfigure t"
            "  WHERE t.workforce_return_id = workforce_workforcereturn.id"
            "  AND t.module = 'fetal_monitoring'"
            "  AND t.in_scope > 0),"
            " (SELECT MIN(t.compliant * 100.0 / t.in_scope) FROM workforce_trainingfigure t"
            "  WHERE t.workforce_return_id = workforce_workforcereturn.id"
            "  AND t.module = 'emergencies'"
            "  AND t.in_scope > 0),"
            " (SELECT MIN(t.compliant * 100.0 / t.in_scope) FROM workforce_trainingfigure t"
            "  WHERE t.workforce_return_id = workforce_workforcereturn.id"
            "  AND t.module = 'newborn_life_support'"
            "  AND t.in_scope > 0)"
            f" FROM workforce_workforcereturn WHERE provider_id IN ({ids}) AND month >= %s AND month <= %s",
            [*provider_ids, months[0], months[-1]],
        )
        for provider, month, *values in cursor.fetchall():
            figures[provider]["workforce"].append((str(month), values))
        cursor.execute(
            "SELECT provider_id, COUNT(*)"
            + category_sums()
            + f" FROM workforce_ftsuconcern WHERE provider_id IN ({ids}) AND received_by = 'provider'"
            + " AND received_on >= %s AND received_on < %s GROUP BY provider_id",
            [*provider_ids, quarter.start, quarter.end],
        )
        for provider, *counts in cursor.fetchall():
            figures[provider]["ftsu"] = counts
    return figures


def check_same(overview, figures) -> None:
    """Fail unless every provider's row of the overview shows the floor's figures."""
    months = [f"{month:%Y-%m}" for month in overview.qualities[0].charts[0].months]
    for quality in overview.qualities:
        f = figures[quality.provider.pk]
        rows = {row.label: row for domain in quality.domains for row in domain.rows}
        harm = {h: n for h, n, *_ in f["by_harm"]}
        values = {
            "Incidents reported (by date occurred)": sum(harm.values()),
            **{f"Harm: {h.label}": harm.get(h.value, 0) for h in PhysicalHarm},
            "Moderate or worse harm (physical or psychological)": sum(s or 0 for *_, s in f["by_harm"]),
            "Referred to MNSI": sum(m or 0 for _, _, m, _, _ in f["by_harm"]),
            "Notified to PMRT": sum(p or 0 for _, _, _, p, _ in f["by_harm"]),
            "Patient safety incident investigations open": f["psiis_open"],
            "Learning shared at the SSIG": f["learning_shared"],
            "Safety actions overdue": f["actions_overdue"],
            "Recommendations open": f["recommendations"][0],
            "Recommendations overdue": f["recommendations"][1],
            "Immediate safety concerns, visit not yet closed": f["immediate"],
        }
        for name, actions, met, verified, overdue, due in f["compliance"]:
            values[f"{name}: actions met and verified by the LMNS"] = (
                f"{verified} of {actions} (self-assessed: {met} of {actions})"
            )
            values[f"{name}: action plans overdue"] = overdue
            deadline = f"{date.fromisoformat(str(due)):%-d %B %Y}" if due else ""
            assert deadline in rows[f"{name}: actions met and verified by the LMNS"].rating.reason
        if f["last_visit"]:
            visit_on, visit_type = f["last_visit"]
            values["Last visit"] = (
                f"{date.fromisoformat(str(visit_on)):%-d %B %Y} ({VisitType(visit_type).label})"
            )
        else:
            values["Last visit"] = "None yet"
        raised, *by_category = f["ftsu"]
        values["Concerns raised"] = suppress(raised)
        values.update(
            {
                f"About: {label}": suppress(n or 0)
                for (_, label), n in zip(ftsu_categories(), by_category, strict=True)
            }
        )
        shown = {label: rows[label].value for label in values}
        assert shown == {label: str(value) for label, value in values.items()}, quality.provider

        since = f["first"] or "9999"  # no incidents: every month before the first
        reported = [f["by_month"].get(month, 0) if month >= since else None for month in months]
        assert quality.charts[0].values == [None if n is None else float(n) for n in reported]
        workforce = dict(f["workforce"])
        for m, measure in enumerate(MEASURES):
            for month, value in zip(months, quality.charts[1 + m].values, strict=True):
                row = workforce.get(f"{month}-01")
                theirs = row[m] if row else None
                assert (value is None) == (theirs is None), (measure.key, month)
                # Ours rounds rates to 0.1; the floor does not round.
                assert value is None or abs(value - float(theirs)) <= 0.05 + 1e-9, (measure.key, month)


# --- Measuring -------------------------------------------------------------------------------------

CLOCK = harness.clock()


def viewer(size: int):
    """Who sees ``size`` providers on the overview: an officer of the first LMNS, or a superuser."""
    first = Provider.objects.get(ods_code="Z01").lmns
    if size == first.providers.count():
        user, _ = get_user_model().objects.get_or_create(username="bench.officer")
        Membership.objects.get_or_create(user=user, role=Role.LMNS_OFFICER, lmns=first)
    else:
        user, _ = get_user_model().objects.get_or_create(username="bench.superuser", is_superuser=True)
    assert Provider.objects.visible_to(user).count() == size, size
    return user


def page_queries(user) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("lmns:quality"), {"month": f"{PERIOD.start:%Y-%m}"})
    assert response.status_code == 200, response.status_code
    return len(queries)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[6, 30], help="providers, growing")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    settings.DEBUG = False  # no query log: it would cost time and memory of its own
    # No collectstatic here: static URLs come straight from the finders, as in the tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_frameworks", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"Database: {connection.vendor}; clock: {CLOCK.__name__}; {PERIOD.label}, today {TODAY:%-d %B %Y}")
    print()
    print(
        f"{'providers':>9} {'incidents':>9} {'ours ms':>8} {'floor ms':>8} {'ours/floor':>10}"
        f" {'queries':>7} {'page queries':>12} {'floor queries':>13}"
    )
    counts = set()
    for size in args.sizes:
        grown = time.perf_counter()
        harness.grow_region(size, args.years, TODAY)
        print(f"(grown to {size} providers in {time.perf_counter() - grown:.1f} s)")
        user = viewer(size)
        ids = [quality.provider.pk for quality in ours(user).qualities]
        check_same(ours(user), floor(ids))
        queries = harness.count_queries(lambda: ours(user))  # noqa: B023
        floor_queries = harness.count_queries(lambda: floor(ids))  # noqa: B023
        on_page = page_queries(user)
        ours_s = harness.best_time(lambda: ours(user), args.repeat)  # noqa: B023
        floor_s = harness.best_time(lambda: floor(ids), args.repeat)  # noqa: B023
        incidents = Incident.objects.filter(provider__in=ids).count()  # the viewer's, on a kept database too
        print(
            f"{size:>9} {incidents:>9} {ours_s * 1000:>8.1f} {floor_s * 1000:>8.1f} {ours_s / floor_s:>10.2f}"
            f" {queries:>7} {on_page:>12} {floor_queries:>13}"
        )
        counts.add(queries)
        harness.record(
            "lmns_overview",
            f"{size} providers, {incidents:,} incidents",
            ours=ours_s * 1000,
            floor=floor_s * 1000,
            unit="ms",
            target=TARGET,
            queries=queries,
            note=f"the page: {on_page} queries",
        )
    print()
    print(f"Queries of ours the same at every size: {'yes' if len(counts) == 1 else f'NO: {sorted(counts)}'}")
    print(f"\nTotal: {time.perf_counter() - started:.1f} s")
    if len(counts) != 1:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
