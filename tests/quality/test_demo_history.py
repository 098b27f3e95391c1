"""seed_demo's two years of incident history: plausible, idempotent, and it shows on the charts."""

from datetime import date

import pytest
from django.db.models import Max, Min

from incidents.demo import HISTORY, history_seed
from incidents.models import Incident
from lmns.access import SYSTEM
from quality.quality import month_period, provider_quality
from tests.factories import make_lmns, make_provider, make_unit

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


@pytest.fixture
def demo_lmns(db):
    lmns = make_lmns("Demo history LMNS", code="demo-history")
    for ods, _typical, _change in HISTORY:
        make_unit(make_provider(lmns, f"{ods} Trust", ods), ods_site_code=f"{ods}01")
    return lmns


def test_history_covers_two_years_and_a_second_run_adds_nothing(demo_lmns, django_assert_max_num_queries):
    made = history_seed(lmns=demo_lmns, today=TODAY)
    assert made == Incident.objects.count() > 24 * 5
    span = Incident.objects.aggregate(first=Min("occurred_on"), last=Max("occurred_on"))
    assert date(2024, 11, 1) <= span["first"] < date(2024, 12, 1)
    assert span["last"] < TODAY
    for incident in Incident.objects.filter(physical_harm="fatal")[:5]:
        incident.full_clean()
    # Every death in the history was notified to PMRT, in a referral row of its own.
    deaths = Incident.objects.filter(physical_harm="fatal")
    assert deaths.exists() and deaths.referred_to("pmrt").count() == deaths.count()
    assert not Incident.objects.exclude(physical_harm="fatal").referred_to("pmrt").exists()
    with django_assert_max_num_queries(4):
        assert history_seed(lmns=demo_lmns, today=TODAY) == 0


def test_the_reporting_campaign_shows_as_a_special_cause(demo_lmns):
    history_seed(lmns=demo_lmns, today=TODAY)
    view = provider_quality(
        user=SYSTEM,
        provider=demo_lmns.providers.get(ods_code="ZZA"),
        period=month_period(date(2026, 10, 1)),
        today=TODAY,
    )
    reported = view.charts[0].result
    assert not reported.is_run_chart
    assert any(point.signal for point in reported.points)


def test_the_demo_stillbirth_is_referred_to_mnsi_on_the_incident_and_to_pmrt_and_mbrrace_in_rows():
    from incidents import demo as incidents_demo
    from lmns.demo import demo_seed as lmns_demo_seed

    lmns = lmns_demo_seed().lmns
    incidents_demo.demo_seed(lmns=lmns)
    incident = Incident.objects.get(local_reference="DEMO-ZZB-0002")
    assert incident.mnsi_referred_on is not None
    held = {r.body.code: r.reference for r in incident.referrals.select_related("body")}
    assert held == {"pmrt": "PMRT-DEMO-77", "mbrrace": ""}
