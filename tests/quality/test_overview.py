"""The LMNS overview: providers by domains, each cell the worst rating and its reason, and the
monthly measures that show special cause concern anywhere in the LMNS."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance.services import assessment_start
from assurance.visits.models import VisitStatus
from lmns.access import SYSTEM
from lmns.models import RagMeasure, RagThreshold
from lmns.months import add_months
from quality import quality
from tests.factories import (
    make_action,
    make_concern,
    make_finding,
    make_framework,
    make_incident,
    make_provider,
    make_recommendation,
    make_user,
    make_visit,
    make_workforce_return,
)
from tests.workforce.perinatal.factories import birth_site, make_perinatal_return
from workforce.perinatal import services as perinatal_services

pytestmark = pytest.mark.django_db


def test_each_cell_is_the_domains_worst_rating_with_its_reason(client, trust, today):
    # Three moderate-harm incidents in October: red on the default thresholds (red at 3).
    for number in range(3):
        make_incident(
            trust.provider, physical_harm="moderate", occurred_on=today - timedelta(days=40 + number)
        )
    client.force_login(trust.officer)
    page = client.get(reverse("lmns:quality"), {"month": "2026-10"})
    overview = page.context["view"]
    ours = next(q for q in overview.qualities if q.provider == trust.provider)
    incidents = ours.domains[0]
    assert incidents.worst.rag == "red"
    assert incidents.worst.reason.startswith(
        "Red: 3 incidents with moderate or worse harm, physical or psychological,"
    )
    sibling = next(q for q in overview.qualities if q.provider == trust.sibling)
    assert sibling.domains[0].worst.rag == "green"
    text = page.content.decode()
    assert incidents.worst.reason in text
    assert overview.domain_names == [
        "Incidents",
        "Compliance",
        "Assurance visits",
        "Workforce",
        "Speaking up",
        "Perinatal",
    ]
    assert trust.elsewhere.name not in text


def test_provider_users_see_only_their_own_row(client, trust, today):
    client.force_login(trust.lead)
    overview = client.get(reverse("lmns:quality")).context["view"]
    assert [q.provider for q in overview.qualities] == [trust.provider]


def test_measures_with_special_cause_concern_anywhere_are_listed(client, trust, today):
    """1:1 care steady for 17 months, then lower for seven: concern (higher is better)."""
    for offset in range(24):
        month = add_months(today.replace(day=1), offset - 24)
        make_workforce_return(trust.sibling, month=month, one_to_one_care=270 if offset >= 17 else 294)
    client.force_login(trust.officer)
    page = client.get(reverse("lmns:quality"), {"month": "2026-10"})
    concerns = page.context["view"].concerns
    assert [(provider, chart.title) for provider, chart in concerns] == [
        (trust.sibling, "1:1 care in established labour")
    ]
    assert "Quince Health NHS Trust: 1:1 care in established labour" in page.content.decode()


def test_only_lmns_members_are_offered_the_lmns_board_pack(client, trust, today):
    client.force_login(trust.officer)
    assert "Build the board pack for Quality LMNS" in client.get(reverse("lmns:quality")).content.decode()
    client.force_login(trust.lead)
    assert "Build the board pack" not in client.get(reverse("lmns:quality")).content.decode()


@pytest.mark.parametrize("query", [{"month": "junk"}, {"quarter": "2026-Q9"}, {"month": "2031-01"}])
def test_a_period_that_is_not_one_is_refused(client, trust, today, query):
    client.force_login(trust.officer)
    assert client.get(reverse("lmns:quality"), query).status_code == 400


def test_the_overview_draws_no_charts(trust, today):
    """The overview reads every provider's SPC results; drawing their SVGs would be waste."""
    overview = quality.lmns_overview(
        user=SYSTEM,
        providers=[trust.provider, trust.sibling],
        period=quality.month_period(today.replace(day=1)),
    )
    assert all("svg" not in chart.__dict__ for q in overview.qualities for chart in q.charts)


def _history(provider, n, framework, by):
    """Figures that differ with ``n``, in every domain."""
    assessment_start(provider=provider, framework=framework, by=by)
    for k in range(n + 1):
        day = date(2026, 10, 1) + timedelta(days=k)
        make_incident(
            provider, occurred_on=day, reported_on=day, physical_harm="moderate" if k % 2 else "low"
        )
        make_action(provider, owner=by, due_on=date(2026, 1, 1) + timedelta(days=k))
        month = add_months(date(2026, 10, 1), -k)
        figures = make_workforce_return(provider, month=month, in_post_midwife_wte=180 + k)
        make_perinatal_return(provider, month=month, workforce_return=figures, stillbirths=k % 2)
        make_concern(provider, received_on=date(2026, 8, 2))
        # Signals open and overdue, amber and red: each provider's own in the perinatal column.
        perinatal_services.national_signal_record(
            provider=provider, unit=birth_site(provider), by=by, measure="term_stillbirths",
            level="red" if k % 2 else "amber",
            month=date(2026, 9, 1), raised_on=date(2026, 10, 1) + timedelta(days=k),
        )  # fmt: skip
    visit = make_visit(
        provider, created_by=by, visit_on=date(2026, 6, 1 + n), status=VisitStatus.REPORT_ISSUED
    )
    make_recommendation(make_finding(visit, kind="immediate"), owner=by, due_on=date(2026, 7, 1))


def _overview_queries(providers, period) -> int:
    with CaptureQueriesContext(connection) as queries:
        quality.lmns_overview(user=SYSTEM, providers=providers, period=period)
    return len(queries)


def test_the_overview_counts_every_provider_at_once(trust, today):
    """As many queries for six providers as for two, and each provider's row is its own view."""
    framework = make_framework()
    by = make_user()
    october = quality.month_period(date(2026, 10, 1))
    # Another LMNS tolerates more overdue safety actions: its providers must be rated on its own.
    RagThreshold.objects.create(
        lmns=trust.elsewhere.lmns, measure=RagMeasure.SAFETY_ACTIONS_OVERDUE, direction="lower",
        amber=1, red=10, effective_from=date(2026, 1, 1), note="Lenient while the backlog clears",
    )  # fmt: skip
    two = [trust.provider, trust.sibling]
    for n, provider in enumerate(two):
        _history(provider, n, framework, by)
    queries_for_two = _overview_queries(two, october)

    six = [*two, trust.elsewhere, *(make_provider(trust.lmns) for _ in range(3))]
    for n, provider in enumerate(six[2:], start=2):
        _history(provider, n, framework, by)
    assert _overview_queries(six, october) == queries_for_two

    overview = quality.lmns_overview(user=SYSTEM, providers=six, period=october)
    assert [q.provider for q in overview.qualities] == six
    for row in overview.qualities:
        own = quality.provider_quality(user=SYSTEM, provider=row.provider, period=october)
        assert quality.quality_as_data(row) == quality.quality_as_data(own), row.provider
    reported = [q.domains[0].rows[0].value for q in overview.qualities]
    assert reported == ["1", "2", "3", "4", "5", "6"]
    # Three overdue actions are red on the default thresholds, amber on the other LMNS's.
    overdue = [(q.domains[0].rows[-1].value, q.domains[0].rows[-1].rating.rag) for q in overview.qualities]
    assert overdue[2:4] == [("3", "amber"), ("4", "red")]
    # Each provider's own overdue checks in the perinatal column: n + 1 of them.
    perinatal = [q.domains[-1] for q in overview.qualities]
    checks = [
        next(row for row in domain.rows if row.label == "Critical safety checks overdue")
        for domain in perinatal
    ]
    assert [row.value for row in checks] == ["1", "2", "3", "4", "5", "6"]
    assert {domain.worst.rag for domain in perinatal} == {"red"}


def test_the_overview_page_takes_a_fixed_number_of_queries(
    client, trust, today, django_assert_max_num_queries
):
    framework = make_framework()
    _history(trust.provider, 1, framework, trust.lead)
    client.force_login(trust.officer)
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("lmns:quality"), {"month": "2026-10"})
    for n in range(4):
        _history(make_provider(trust.lmns), n, framework, trust.lead)
    with django_assert_max_num_queries(len(two)):
        page = client.get(reverse("lmns:quality"), {"month": "2026-10"})
    assert len(page.context["view"].qualities) == 6
    # Session (read and saved), user, two-factor, providers, LMNS names, board packs, the overview's 18
    # (two for the perinatal column), the oversight levels and external concerns (three) and the LMNS
    # outcome signals (two).
    with django_assert_max_num_queries(30):
        client.get(reverse("lmns:quality"), {"month": "2026-10"})


# --- The perinatal column -----------------------------------------------------------------------

OCTOBER = date(2026, 10, 1)


def _perinatal_cells(client, user, query):
    client.force_login(user)
    page = client.get(reverse("lmns:quality"), query)
    view = page.context["view"]
    return page.content.decode(), {q.provider: q.domains[-1] for q in view.qualities}


def _signal(provider, by, level, raised_on):
    return perinatal_services.national_signal_record(
        provider=provider,
        unit=birth_site(provider),
        by=by,
        measure="term_neonatal_deaths",
        level=level,
        month=OCTOBER,
        raised_on=raised_on,
    )


def test_the_perinatal_column_is_red_for_an_overdue_check_and_amber_for_an_open_signal_or_a_missing_return(
    client, trust, today
):
    quoll = make_provider(trust.lmns, "Quoll Valley NHS Trust", "QQC")
    quokka = make_provider(trust.lmns, "Quokka Bay NHS Trust", "QQD")
    for provider in (trust.provider, trust.sibling, quokka):
        make_perinatal_return(provider, month=OCTOBER)
    # Ours: an amber signal raised a month ago, its check eight working days on and not done.
    overdue = _signal(trust.provider, trust.lead, "amber", today - timedelta(days=30))
    # The sibling's: raised today, its check not yet due.
    _signal(trust.sibling, trust.lead, "amber", today)
    # Quokka's: checked in time, so closed.
    closed = _signal(quokka, trust.lead, "red", date(2026, 10, 5))
    perinatal_services.safety_check_record(
        signal=closed,
        by=trust.lead,
        findings="Care was as it should be.",
        check_completed_on=date(2026, 10, 9),
    )
    text, cells = _perinatal_cells(client, trust.officer, {"month": "2026-10"})

    ours = cells[trust.provider].worst
    assert ours.rag == "red"
    assert ours.reason == (
        f"Red: 1 critical safety check overdue today, due {overdue.check_due_on:%-d %B %Y} (red at 1 or more)"
    )
    # The signal names its site, as MOSS signals a site.
    assert cells[trust.sibling].worst.reason.startswith(
        "Amber: National MOSS signal (received by the trust), term neonatal deaths (to 28 days) at "
        f"{birth_site(trust.sibling).name}, October 2026"
    )
    # Quoll sent no October return, due on 15 November.
    assert (
        cells[quoll].worst.reason == "Amber: 1 monthly return overdue for October 2026 (amber at 1 or more)"
    )
    assert cells[quokka].worst.rag == "green"
    # Where amber and red are one threshold, green says where red starts.
    assert cells[quokka].rows[3].rating.reason == (
        "Green: 0 critical safety checks overdue today (red at 1 or more)"
    )
    # The stillbirth rate is shown with its count and denominator.
    assert cells[quokka].rows[1].label == "Stillbirths per 1,000 births"
    assert cells[quokka].rows[1].value == "2.68 per 1,000 (1 of 373 births)"
    # Each cell links to the provider's signal log and rates over time.
    perinatal_page = reverse("workforce:perinatal", kwargs={"ods_code": "QQA"})
    assert f'<a href="{perinatal_page}">{ours.reason}</a>' in text
    assert '<th scope="col" class="nhsuk-table__header">Perinatal</th>' in text


def test_the_perinatal_ratings_follow_the_lmns_thresholds(client, trust, today):
    make_perinatal_return(trust.provider, month=OCTOBER)
    _signal(trust.provider, trust.lead, "amber", today - timedelta(days=30))
    RagThreshold.objects.create(
        lmns=trust.lmns, measure=RagMeasure.SAFETY_CHECKS_OVERDUE, direction="lower",
        amber=1, red=2, effective_from=date(2026, 1, 1), note="Red from the second overdue check",
    )  # fmt: skip
    _text, cells = _perinatal_cells(client, trust.officer, {"month": "2026-10"})
    overdue = next(row for row in cells[trust.provider].rows if row.label == "Critical safety checks overdue")
    assert overdue.rating.rag == "amber"
    assert overdue.rating.reason.endswith("(amber at 1 or more)")


def test_a_return_not_yet_due_is_not_rated(client, trust, today):
    _text, cells = _perinatal_cells(client, trust.officer, {"month": "2026-11"})
    assert cells[trust.provider].worst.reason == (
        "Not rated: the return for November 2026 is due by 15 December 2026"
    )


def test_a_quarter_names_the_months_whose_return_is_overdue(client, trust, today):
    make_perinatal_return(trust.provider, month=date(2026, 8, 1))
    _text, cells = _perinatal_cells(client, trust.officer, {"quarter": "2026-Q2"})
    returns = cells[trust.provider].rows[0]
    assert returns.value == "1 of 3"
    assert returns.rating.reason.startswith("Red: 2 monthly returns overdue for ")
    assert returns.rating.reason.endswith("(July 2026, September 2026) (red at 2 or more)")


def test_every_perinatal_figure_links_to_a_page_the_officer_may_open(client, trust, today):
    make_perinatal_return(trust.provider, month=OCTOBER)
    _signal(trust.provider, trust.lead, "red", today - timedelta(days=30))
    _signal(trust.provider, trust.lead, "amber", today)
    _text, cells = _perinatal_cells(client, trust.officer, {"quarter": "2026-Q3"})
    domain = cells[trust.provider]
    assert domain.rows[0].value == "1 of 3"
    for url in {domain.url, *(row.url for row in domain.rows)}:
        assert client.get(url).status_code == 200, url
