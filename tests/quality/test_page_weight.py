"""The provider quality view's weight with every chart full: 24 months of every monthly measure."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from lmns.months import add_months
from tests.factories import make_incident, make_workforce_return

pytestmark = pytest.mark.django_db

# Measured on this page: 205.9 KB when every chart element carried its own colours, fonts and
# strokes and every table cell its classes, 146.7 KB once each chart drew repeated parts once and
# the tables went bare (the demo's /quality/ZZA/: 213.4 KB to 153.6 KB). What is left is mostly
# content: each point's <use> with its class and tooltip, the figures under each chart and the
# domain tables' links. About 2% of headroom: charts going back to per-element attributes would
# add 9 KB, the figures tables going back to per-cell classes 42 KB.
# In Jinja with the design system's macros, and the figures' optional </td></tr> left out: 142.2 KB.
BUDGET = 150_000


def test_the_view_with_every_chart_full_stays_within_its_byte_budget(client, trust, today):
    for offset in range(24):
        month = add_months(date(2026, 10, 1), -offset)
        make_workforce_return(
            trust.provider,
            month=month,
            in_post_midwife_wte=180 + offset % 7,
            women_in_labour=280 + offset * 7 % 40,
            birthrate_plus_wte=205,
            birthrate_plus_on=date(2024, 6, 1),
        )
        for day in range(1 + offset % 4):
            make_incident(
                trust.provider, occurred_on=month + timedelta(days=day), reported_on=month + timedelta(days=4)
            )
    client.force_login(trust.board)
    page = client.get(
        reverse("lmns:quality-provider", kwargs={"ods_code": trust.provider.ods_code}) + "?month=2026-10"
    )
    # Every chart, point and month's figure is on the page: the budget is not met by leaving any out.
    assert page.content.count(b'class="spc-chart"') == 15
    assert page.content.count(b'<use class="spc-point ') == 15 * 24
    assert page.content.count(b"<tr><td>") == 15 * 24
    assert len(page.content) <= BUDGET
