"""The provider quality view: who may open it, what it shows, and its fixed query count."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance.services import assessment_start
from assurance.visits.models import VisitStatus
from lmns.months import add_months
from tests.factories import (
    make_action,
    make_concern,
    make_finding,
    make_framework,
    make_incident,
    make_recommendation,
    make_visit,
    make_workforce_return,
)

pytestmark = pytest.mark.django_db


def url(provider, query=""):
    return reverse("lmns:quality-provider", kwargs={"ods_code": provider.ods_code}) + query


def test_list_links_each_provider_to_last_months_view(client, trust, today):
    client.force_login(trust.officer)
    page = client.get(reverse("lmns:quality"))
    assert page.status_code == 200
    assert url(trust.provider, "?month=2026-10").encode() in page.content
    assert url(trust.sibling, "?month=2026-10").encode() in page.content
    assert trust.elsewhere.name.encode() not in page.content


@pytest.mark.parametrize("who", ["lead", "board", "guardian", "officer", "safety_lead"])
def test_everyone_who_can_see_the_provider_may_open_its_view(client, trust, who):
    client.force_login(getattr(trust, who))
    assert client.get(url(trust.provider)).status_code == 200


def test_provider_users_see_only_their_own_provider(client, trust):
    client.force_login(trust.board)
    assert client.get(url(trust.sibling)).status_code == 404
    assert client.get(url(trust.elsewhere)).status_code == 404


def test_another_lmns_is_not_found(client, trust):
    client.force_login(trust.other_officer)
    assert client.get(url(trust.provider)).status_code == 404


def test_signed_out_users_are_sent_to_sign_in(client, trust):
    page = client.get(url(trust.provider))
    assert page.status_code == 302
    assert page.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "query", ["?month=2026-13", "?month=soon", "?quarter=2026-Q5", "?month=2027-01", "?month=0001-01"]
)
def test_a_bad_or_future_period_is_refused(client, trust, today, query):
    client.force_login(trust.officer)
    assert client.get(url(trust.provider, query)).status_code == 400


def test_a_quarter(client, trust, today):
    client.force_login(trust.officer)
    page = client.get(url(trust.provider, "?quarter=2026-Q2"))
    assert page.status_code == 200
    view = page.context["view"]
    assert (view.period.start, view.period.end) == (date(2026, 7, 1), date(2026, 10, 1))
    assert b"Q2 2026/27 (July to September 2026)" in page.content


def test_a_quarter_is_rated_on_its_monthly_average(client, trust, today):
    """Amber at 1 a month: two harmful incidents a month are amber for the quarter, not red."""
    for month in (7, 8, 9):
        for day in (3, 4):
            make_incident(trust.provider, physical_harm="moderate", occurred_on=date(2026, month, day))
    client.force_login(trust.board)
    page = client.get(url(trust.provider, "?quarter=2026-Q2"))
    reason = (
        "Amber: 6 incidents with moderate or worse harm, physical or psychological, "
        "in Q2 2026/27 (July to September 2026), "
        "2 a month (amber at 1 a month or above)"
    )
    assert reason.encode() in page.content


def test_red_measure_says_why_and_links_to_the_records(client, trust, today):
    visit = make_visit(
        trust.provider, created_by=trust.officer, visit_on=date(2026, 3, 3), status=VisitStatus.REPORT_ISSUED
    )
    finding = make_finding(visit)
    for _ in range(2):
        make_recommendation(finding, owner=trust.lead, due_on=date(2026, 5, 1))
    client.force_login(trust.board)
    page = client.get(url(trust.provider, "?month=2026-10"))
    assert b"Red: 2 overdue recommendations from the visit of 3 March 2026 (red at 2 or more)" in page.content
    overdue = f"/assurance/recommendations/?provider={trust.provider.pk}&amp;overdue=true"
    assert overdue.encode() in page.content
    listed = client.get(overdue.replace("&amp;", "&"))
    assert len(listed.context["page"].object_list) == 2


def test_speaking_up_shows_suppressed_counts_of_a_complete_quarter_and_nothing_else(client, trust, today):
    for _ in range(2):
        make_concern(
            trust.provider, received_on=date(2026, 8, 2), summary="Unique secret wording about a shift"
        )
    # Neither counted: raised with the LMNS, and raised in October, a quarter not yet complete.
    for _ in range(4):
        make_concern(trust.provider, received_by="lmns", received_on=date(2026, 8, 2))
    for _ in range(5):
        make_concern(trust.provider, received_on=date(2026, 10, 2))
    client.force_login(trust.guardian)
    page = client.get(url(trust.provider, "?month=2026-10"))
    domain = next(d for d in page.context["view"].domains if d.title.startswith("Speaking up"))
    assert "Q2 2026/27 (July to September 2026)" in domain.title
    assert domain.rows[0].value == "<5"
    assert all(row.rating is None for row in domain.rows)
    assert b"Unique secret wording" not in page.content


def test_spc_charts_for_every_monthly_measure(client, trust, today):
    for offset in range(24):
        month = add_months(date(2026, 10, 1), -offset)
        make_workforce_return(trust.provider, month=month)
        make_incident(
            trust.provider, occurred_on=month + timedelta(days=3), reported_on=month + timedelta(days=4)
        )
    client.force_login(trust.board)
    page = client.get(url(trust.provider, "?month=2026-10"))
    charts = page.context["view"].charts
    assert charts[0].title == "Incidents reported"
    assert len(charts) == 15
    assert all(len(chart.table) == 24 for chart in charts)
    assert not charts[0].result.is_run_chart
    # The factory's returns leave the Birthrate Plus establishment out: no chart for it.
    assert page.content.count(b'class="spc-chart"') == 14
    assert page.content.count(b"No figures in these 24 months.") == 1
    assert b"Common cause variation" in page.content


def _lots_of_data(trust, months):
    framework = make_framework()
    for provider in (trust.provider, trust.sibling):
        assessment_start(provider=provider, framework=framework, by=trust.lead)
    for n in months:
        when = date(2026, 10, 1) - timedelta(days=30 * n)
        make_incident(trust.provider, occurred_on=when, reported_on=when, physical_harm="moderate")
        make_action(trust.provider, owner=trust.lead, due_on=date(2026, 1, 1))
        visit = make_visit(
            trust.provider, created_by=trust.officer, visit_on=when, status=VisitStatus.REPORT_ISSUED
        )
        make_recommendation(make_finding(visit, kind="immediate"), owner=trust.lead, due_on=date(2026, 1, 1))
        make_concern(trust.provider, received_on=date(2026, 10, 2))
        make_workforce_return(trust.provider, month=add_months(date(2026, 10, 1), -n))


def _queries(client, trust):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(trust.provider, "?month=2026-10")).status_code == 200
    return len(queries)


def test_the_view_takes_a_fixed_number_of_queries(client, trust, today, django_assert_max_num_queries):
    client.force_login(trust.board)
    _lots_of_data(trust, months=range(1))
    few = _queries(client, trust)
    _lots_of_data(trust, months=range(1, 13))
    assert _queries(client, trust) == few
    # Four of them read the safety champions section (workforce.champions.selectors: the last
    # walkabout, those held in the period, the open actions and the MNVP feedback), three the
    # external concerns and oversight section (assurance.oversight) and two the perinatal domain.
    with django_assert_max_num_queries(34):
        client.get(url(trust.provider, "?month=2026-10"))


def test_every_figure_links_to_a_page_the_reader_may_open(client, trust, today):
    _lots_of_data(trust, months=range(3))
    client.force_login(trust.board)
    view = client.get(url(trust.provider, "?month=2026-10")).context["view"]
    links = {row.url for domain in view.domains for row in domain.rows}
    assert len(links) > 10
    for link in links:
        assert client.get(link).status_code == 200, link
