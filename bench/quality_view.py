"""How long one provider's quality view takes, against the same figures in hand-written SQL.

Run from the project folder (it makes its own throwaway SQLite database):

    .venv/bin/python -m bench.quality_view [--sizes 1 5 20] [--repeat 3]

or against an empty PostgreSQL database of its own (its name must contain "bench"):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lmns_quality_bench \
        .venv/bin/python -m bench.quality_view

A size is years of history for one provider, at about 125 incidents a month (1,500 a year),
with learning shared at monthly SSIG meetings, safety actions, an assessment of a framework,
quarterly visits with findings and recommendations, a workforce return every month (24 at
least) and concerns raised through Freedom to Speak Up. Every size is a provider of its own in
one LMNS, beside a neighbour with two years, so each is measured among others' data.

For each size, "ours" is ``quality.quality.provider_quality`` for the last complete month, with
its ratings and SPC results but no SVG drawn (a chart draws itself only when shown), and
"ours+svg" the same with every chart drawn, as the page does. The floor, measured in the same
run, is hand-written SQL through ``connection.cursor()`` that returns the same raw figures
(counts, series, workforce values) with no ratings, SPC or formatting, in SQL that SQLite and
PostgreSQL both run; before timing, the bench checks that its figures equal ours. On SQLite,
times are CPU seconds of this process (the engine runs in-process, so its work is counted); on
PostgreSQL the server's work is in another process, so they are wall-clock seconds
(``harness.clock``). Best of --repeat runs. The number of queries ours makes must not change
with the size.
"""

import argparse
import random
import sys
import time

from bench import harness

harness.setup("quality")

from datetime import date, datetime, timedelta  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from assurance import quality as assurance_quality  # noqa: E402
from assurance.models import (  # noqa: E402
    Deadline,
    Framework,
    FrameworkAction,
    Requirement,
)
from incidents import quality as incidents_quality  # noqa: E402
from incidents.models import (  # noqa: E402
    Incident,
    IncidentType,
    PhysicalHarm,
)
from lmns.access import SYSTEM  # noqa: E402
from lmns.models import Lmns, Provider  # noqa: E402
from lmns.months import add_months  # noqa: E402
from quality import load_data  # noqa: E402
from quality.load_data import months_back  # noqa: E402
from quality.quality import SPC_MONTHS, month_period, provider_quality  # noqa: E402
from workforce import quality as workforce_quality  # noqa: E402
from workforce.models import MEASURES, FtsuCategory  # noqa: E402
from workforce.selectors import latest_complete_quarter, suppress  # noqa: E402

TODAY = date(2026, 11, 30)  # fixed, so that every run makes and measures the same data
NEIGHBOUR_YEARS = 2
TARGET = 3.0  # issue #10: the quality view within 3x its SQL floor


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


# --- Data --------------------------------------------------------------------------------------


def _months(count: int) -> list[date]:
    return months_back(TODAY, count)


def _local(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


@transaction.atomic
def make_data(years: list[int]) -> dict[int, Provider]:
    """One LMNS with a provider for each number of years of history, and a neighbour."""
    user = get_user_model().objects.create_user("bench", password=None)
    lmns = Lmns.objects.create(name="Bench LMNS", code="bench")
    framework = Framework.objects.create(
        slug="bench-mis", name="Bench scheme", publisher="Bench", version="1", source_file="bench"
    )
    Deadline.objects.create(framework=framework, name="Declaration", due_on=TODAY + timedelta(days=90))
    Deadline.objects.create(framework=framework, name="Evidence", due_on=TODAY + timedelta(days=30))
    Deadline.objects.create(framework=framework, name="Last year", due_on=TODAY - timedelta(days=300))
    for a in range(1, 11):
        action = FrameworkAction.objects.create(
            framework=framework, code=f"SA{a}", title=f"Safety action {a}", order=a
        )
        Requirement.objects.bulk_create(
            Requirement(
                action=action, code=f"{a}.{r}", title=f"Requirement {a}.{r}", text="The trust", order=r
            )
            for r in range(1, 6)
        )
    requirements = list(Requirement.objects.filter(action__framework=framework).select_related("action"))
    types = list(IncidentType.objects.active().order_by("pk"))
    longest = _months(12 * max([*years, NEIGHBOUR_YEARS]) + 1)
    meetings = load_data.ssig_meetings(lmns, longest, today=TODAY)
    providers = {}
    for n, size in enumerate([*years, None]):
        code = f"B{n:02d}" if size is not None else "BNB"
        provider = Provider.objects.create(lmns=lmns, name=f"Bench Trust {code}", ods_code=code)
        history = size if size is not None else NEIGHBOUR_YEARS
        rng = random.Random(code)
        months = _months(12 * history + 1)  # whole years before this month, and this month
        incidents = load_data.incidents(provider, months, types, rng, today=TODAY, prefix="BENCH")
        Incident.objects.bulk_create(incidents, batch_size=1000)
        load_data.learning(provider, months, meetings, user, rng, today=TODAY)
        load_data.assessment(provider, framework, requirements, user, n, today=TODAY)
        load_data.visits(provider, months, user, rng, today=TODAY)
        load_data.workforce_returns(provider, _months(max(12 * history, SPC_MONTHS) + 1), rng, today=TODAY)
        load_data.concerns(lmns, provider, months, rng, today=TODAY)
        if size is not None:
            providers[size] = provider
    return providers


# --- Ours ------------------------------------------------------------------------------------------


def ours(provider, period, svg=False):
    quality = provider_quality(user=SYSTEM, provider=provider, period=period, today=TODAY)
    if svg:
        for chart in quality.charts:
            chart.svg  # noqa: B018 - drawn when touched, as the page does
    return quality


# --- The floor: the same figures in hand-written SQL ----------------------------------------------

DONE = "'met', 'not_applicable'"


def floor(provider_id: int, period) -> dict:
    """Every figure the quality view rates or charts, straight from SQL: no ratings, no SPC,
    no formatting. Plain SQL that SQLite and PostgreSQL both run."""
    months = [add_months(period.last_month, offset) for offset in range(1 - SPC_MONTHS, 1)]
    quarter = latest_complete_quarter(period.last_day)
    start, end = period.start, period.end
    held_from = connection.ops.adapt_datetimefield_value(_local(start, 0))
    held_to = connection.ops.adapt_datetimefield_value(_local(end, 0))
    figures = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT physical_harm, COUNT(*),"
            " SUM(CASE WHEN mnsi_referred_on IS NOT NULL THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN EXISTS (SELECT 1 FROM incidents_incidentreferral r"
            " JOIN incidents_referralbody b ON b.id = r.body_id"
            " WHERE r.incident_id = incidents_incident.id AND b.code = 'pmrt') THEN 1 ELSE 0 END)"
            " FROM incidents_incident WHERE provider_id = %s AND occurred_on >= %s AND occurred_on < %s"
            " GROUP BY physical_harm",
            [provider_id, start, end],
        )
        figures["by_harm"] = {harm: (n, mnsi, pmrt) for harm, n, mnsi, pmrt in cursor.fetchall()}
        cursor.execute(
            "SELECT COUNT(*) FROM incidents_incident"
            " WHERE provider_id = %s AND response_type = 'psii' AND status <> 'closed'",
            [provider_id],
        )
        figures["psiis_open"] = cursor.fetchone()[0]
        # By day, added up by month here: portable SQL has no month function, and this is
        # 4 to 5 times faster on SQLite than 24 conditional sums (at most 731 rows come back).
        cursor.execute(
            "SELECT occurred_on, COUNT(*) FROM incidents_incident"
            " WHERE provider_id = %s AND occurred_on >= %s AND occurred_on < %s GROUP BY occurred_on",
            [provider_id, months[0], end],
        )
        by_month = dict.fromkeys((f"{month:%Y-%m}" for month in months), 0)
        for day, n in cursor.fetchall():
            by_month[str(day)[:7]] += n
        cursor.execute(
            "SELECT MIN(occurred_on) FROM incidents_incident WHERE provider_id = %s", [provider_id]
        )
        first = cursor.fetchone()[0]
        since = str(first)[:7] if first else "9999"
        figures["reported_by_month"] = [n if month >= since else None for month, n in by_month.items()]
        cursor.execute(
            "SELECT COUNT(*) FROM incidents_learning l"
            " JOIN incidents_ssigsubmission s ON s.learning_id = l.id"
            " JOIN incidents_ssigmeeting m ON m.id = s.meeting_id"
            " WHERE l.provider_id = %s AND l.status = 'shared' AND m.held_at >= %s AND m.held_at < %s",
            [provider_id, held_from, held_to],
        )
        figures["learning_shared"] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FROM incidents_safetyaction"
            " WHERE provider_id = %s AND status <> 'completed' AND due_on < %s",
            [provider_id, TODAY],
        )
        figures["actions_overdue"] = cursor.fetchone()[0]
        # Per framework: actions, met (every requirement met or n/a), verified (and accepted),
        # overdue action plans, and the next deadline.
        cursor.execute(
            "SELECT f.id, f.name, COUNT(*),"
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
            "  GROUP BY i.assessment_id, r.action_id) x ON x.assessment_id = s.id AND x.action_id = a.id"
            " WHERE s.provider_id = %s"
            " GROUP BY f.id, f.name ORDER BY f.id",
            [TODAY, TODAY, provider_id],
        )
        figures["compliance"] = cursor.fetchall()
        cursor.execute(
            "SELECT id, visit_on, visit_type FROM assurance_visit"
            " WHERE provider_id = %s AND visit_on <= %s AND status NOT IN ('planned', 'cancelled')"
            " ORDER BY visit_on DESC, id DESC LIMIT 1",
            [provider_id, TODAY],
        )
        figures["last_visit"] = cursor.fetchone()
        cursor.execute(
            "SELECT r.visit_id, v.visit_on, COUNT(*), SUM(CASE WHEN r.due_on < %s THEN 1 ELSE 0 END)"
            " FROM assurance_recommendation r JOIN assurance_visit v ON v.id = r.visit_id"
            " WHERE v.provider_id = %s AND v.status IN ('report_issued', 'closed') AND r.status <> 'closed'"
            " GROUP BY r.visit_id, v.visit_on ORDER BY v.visit_on, r.visit_id",
            [TODAY, provider_id],
        )
        figures["recommendations"] = cursor.fetchall()
        cursor.execute(
            "SELECT f.visit_id, v.visit_on, COUNT(*)"
            " FROM assurance_finding f JOIN assurance_visit v ON v.id = f.visit_id"
            " WHERE v.provider_id = %s AND f.kind = 'immediate' AND v.status NOT IN ('closed', 'cancelled')"
            " GROUP BY f.visit_id, v.visit_on ORDER BY v.visit_on, f.visit_id",
            [provider_id],
        )
        figures["immediate"] = cursor.fetchall()
        # Each measure as MEASURES defines it, training by its lowest staff group; rates unrounded
        # (ours rounds to 0.1).
        cursor.execute(
            "SELECT month, funded_midwife_wte, in_post_midwife_wte, birthrate_plus_wte,"
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
            " FROM workforce_workforcereturn WHERE provider_id = %s AND month >= %s AND month <= %s"
            " ORDER BY month",
            [provider_id, months[0], months[-1]],
        )
        figures["workforce"] = cursor.fetchall()
        cursor.execute(
            "SELECT COUNT(*)"
            + category_sums()
            + " FROM workforce_ftsuconcern WHERE provider_id = %s AND received_by = 'provider'"
            + " AND received_on >= %s AND received_on < %s",
            [provider_id, quarter.start, quarter.end],
        )
        figures["ftsu"] = cursor.fetchone()
    return figures


def check_same(provider, period, quality, figures) -> None:
    """Fail unless the floor's figures are ours: counts, series and values."""
    months = quality.charts[0].months
    s = incidents_quality.incident_summaries(
        user=SYSTEM, providers=[provider], start=period.start, end=period.end, today=TODAY
    )[provider.pk]
    harm = figures["by_harm"]
    assert [item.count for item in s.by_harm] == [harm.get(h.value, (0,))[0] for h in PhysicalHarm], harm
    assert s.reported == sum(n for n, _, _ in harm.values())
    assert (s.mnsi_referrals, s.pmrt_referrals) == (
        sum(m or 0 for _, m, _ in harm.values()),
        sum(p or 0 for _, _, p in harm.values()),
    )
    assert s.psiis_open == figures["psiis_open"]
    assert s.learning_shared == figures["learning_shared"]
    assert s.actions_overdue == figures["actions_overdue"]
    assert quality.charts[0].values == [None if n is None else float(n) for n in figures["reported_by_month"]]

    positions = assurance_quality.compliance_summaries(user=SYSTEM, providers=[provider], today=TODAY)[
        provider.pk
    ]
    assert [
        (p.framework.pk, p.actions, p.met, p.verified, p.plans_overdue, str(p.next_deadline.due_on))
        for p in positions
    ] == [(f, n, met, ver, overdue, str(due)) for f, _, n, met, ver, overdue, due in figures["compliance"]]

    v = assurance_quality.visit_summaries(user=SYSTEM, providers=[provider], today=TODAY)[provider.pk]
    assert v.last_visit.pk == figures["last_visit"][0]
    assert v.open_recommendations == sum(row[2] for row in figures["recommendations"])
    assert [(c.visit_id, str(c.visit_on), c.count) for c in v.overdue] == [
        (visit, str(on), overdue) for visit, on, _, overdue in figures["recommendations"] if overdue
    ]
    assert [(c.visit_id, str(c.visit_on), c.count) for c in v.immediate] == [
        (visit, str(on), n) for visit, on, n in figures["immediate"]
    ]

    rows = {str(row[0]): row[1:] for row in figures["workforce"]}
    for m, measure in enumerate(MEASURES):
        chart = quality.charts[1 + m]
        for month, value in zip(months, chart.values, strict=True):
            row = rows.get(str(month))
            theirs = row[m] if row else None
            assert (value is None) == (theirs is None), (measure.key, month)
            # Ours rounds rates to 0.1; the floor does not round.
            assert value is None or abs(value - float(theirs)) <= 0.05 + 1e-9, (measure.key, month)

    f = workforce_quality.speaking_up_summaries(user=SYSTEM, providers=[provider], day=period.last_day)[
        provider.pk
    ]
    raised, *by_category = figures["ftsu"]
    assert f.raised == suppress(raised)
    assert [count for _, count in f.by_category] == [suppress(n or 0) for n in by_category]
    assert raised >= 5 and sum(harm.get(h, (0,))[0] for h in ("moderate", "severe", "fatal")) > 0


# --- Measuring -------------------------------------------------------------------------------------


CLOCK = harness.clock()


def _verdict(ratio: float) -> str:
    return f"{'within' if ratio <= TARGET else 'OVER'} {TARGET:g}x"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 5, 20], help="years of history")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    settings.DEBUG = False  # no query log: it would cost time and memory of its own
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    if Lmns.objects.filter(code="bench").exists():
        sys.exit("The bench makes its own data: give it an empty database.")
    providers = make_data(args.sizes)
    load_data.analyze()
    period = month_period(add_months(TODAY.replace(day=1), -1))
    print(
        f"Set-up: {time.perf_counter() - started:.1f} s; {Incident.objects.count()} incidents in all;"
        f" period {period.label}, today {TODAY:%-d %B %Y}; {connection.vendor}, clock {CLOCK.__name__}"
    )
    print()
    print(
        f"{'size':>4} {'incidents':>9} {'ours ms':>8} {'ours+svg ms':>12} {'floor ms':>9}"
        f" {'ours/floor':>11} {'+svg/floor':>11} {'queries ours':>13} {'floor':>6}"
    )
    verdicts = []
    for size in args.sizes:
        provider = Provider.objects.get(pk=providers[size].pk)
        check_same(provider, period, ours(provider, period), floor(provider.pk, period))
        ours_q = harness.count_queries(lambda: ours(provider, period))  # noqa: B023
        floor_q = harness.count_queries(lambda: floor(provider.pk, period))  # noqa: B023
        ours_s = harness.best_time(lambda: ours(provider, period), args.repeat)  # noqa: B023
        svg_s = harness.best_time(lambda: ours(provider, period, svg=True), args.repeat)  # noqa: B023
        floor_s = harness.best_time(lambda: floor(provider.pk, period), args.repeat)  # noqa: B023
        incidents = Incident.objects.filter(provider=provider).count()
        print(
            f"{size:>4} {incidents:>9} {ours_s * 1000:>8.1f} {svg_s * 1000:>12.1f} {floor_s * 1000:>9.1f}"
            f" {ours_s / floor_s:>11.2f} {svg_s / floor_s:>11.2f} {ours_q:>13} {floor_q:>6}"
        )
        verdicts.append((size, ours_s / floor_s, svg_s / floor_s, ours_q))
        harness.record(
            "quality_view",
            f"{size} year{'' if size == 1 else 's'}, {incidents:,} incidents",
            ours=ours_s * 1000,
            floor=floor_s * 1000,
            unit="ms",
            target=TARGET,
            queries=ours_q,
            note=f"with its 15 SVG charts drawn, as the page does: {svg_s / floor_s:.2f}x",
        )
    print()
    for size, ratio, svg_ratio, _ in verdicts:
        print(
            f"size {size}: ours {ratio:.2f}x the floor ({_verdict(ratio)});"
            f" with SVGs {svg_ratio:.2f}x ({_verdict(svg_ratio)})"
        )
    counts = {queries for *_, queries in verdicts}
    print(f"Queries of ours the same at every size: {'yes' if len(counts) == 1 else f'NO: {sorted(counts)}'}")
    print(f"\nTotal: {time.perf_counter() - started:.1f} s")
    if len(counts) != 1:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
