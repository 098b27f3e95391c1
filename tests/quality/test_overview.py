"""The LMNS overview: providers by domains, each cell the worst rating and its reason, and the
monthly measures that show special cause concern anywhere in the LMNS."""

from datetime import timedelta

import pytest
from django.urls import reverse

from lmns import quality
from tests.factories import make_incident, make_workforce_return
from workforce.models import add_months

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
    assert incidents.worst.reason.startswith("Red: 3 incidents with moderate or worse physical harm")
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
def test_a_period_that_is_not_one_is_not_found(client, trust, today, query):
    client.force_login(trust.officer)
    assert client.get(reverse("lmns:quality"), query).status_code == 404


def test_the_overview_draws_no_charts(trust, today):
    """The overview reads every provider's SPC results; drawing their SVGs would be waste."""
    overview = quality.lmns_overview(
        providers=[trust.provider, trust.sibling], period=quality.month_period(today.replace(day=1))
    )
    assert all("svg" not in chart.__dict__ for q in overview.qualities for chart in q.charts)
