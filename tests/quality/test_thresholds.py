"""RAG thresholds are data: a change is a new row from its effective date, and old rows stay."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from lmns.access import SYSTEM
from lmns.models import RagMeasure, RagThreshold
from lmns.thresholds import DEFAULT_THRESHOLDS, Threshold, thresholds_for
from quality.quality import month_period, provider_quality, rate
from tests.factories import make_action

pytestmark = pytest.mark.django_db

ACTIONS = RagMeasure.SAFETY_ACTIONS_OVERDUE


def _rating(trust, month, today):
    view = provider_quality(user=SYSTEM, provider=trust.provider, period=month_period(month), today=today)
    incidents = next(domain for domain in view.domains if domain.title == "Incidents")
    return next(row.rating for row in incidents.rows if row.label == "Safety actions overdue")


def test_a_changed_threshold_rates_from_its_effective_date(trust, today):
    for _ in range(2):
        make_action(trust.provider, owner=trust.lead, due_on=date(2026, 8, 1))
    assert _rating(trust, date(2026, 10, 1), today).rag == "amber"  # the default: red at 3
    RagThreshold.objects.create(
        lmns=trust.lmns,
        measure=ACTIONS,
        direction="lower",
        amber=1,
        red=2,
        effective_from=date(2026, 10, 15),
        note="The SQOG asked for earlier escalation.",
        changed_by=trust.safety_lead,
    )
    october = _rating(trust, date(2026, 10, 1), today)
    assert october.rag == "red"
    assert october.reason == "Red: 2 safety actions overdue today (red at 2 or more)"
    # September ended before the change: it keeps the rating it had.
    assert _rating(trust, date(2026, 9, 1), today).rag == "amber"


def test_history_is_kept_and_the_latest_in_force_wins(trust):
    for effective_from, red in [(date(2026, 1, 1), 5), (date(2026, 6, 1), 4), (date(2027, 1, 1), 2)]:
        RagThreshold.objects.create(
            lmns=trust.lmns, measure=ACTIONS, direction="lower", amber=1, red=red,
            effective_from=effective_from, note="Reviewed",
        )  # fmt: skip
    ours, elsewhere = trust.lmns.pk, trust.elsewhere.lmns_id
    assert thresholds_for(lmns_ids=[ours], on=date(2026, 5, 31))[ours][ACTIONS].red == 5
    october = thresholds_for(lmns_ids=[ours, elsewhere], on=date(2026, 10, 31))
    assert october[ours][ACTIONS].red == 4
    assert RagThreshold.objects.filter(lmns=trust.lmns, measure=ACTIONS).count() == 3
    # Another LMNS's thresholds never apply, even when asked for in the same query.
    assert october[elsewhere][ACTIONS] == DEFAULT_THRESHOLDS[ACTIONS]


def test_higher_is_better_reasons():
    training = Threshold("higher", Decimal(90), Decimal(85))
    assert rate(Decimal("84.5"), training, "84.5%", "%").reason == "Red: 84.5% (red below 85%)"
    assert rate(Decimal("88"), training, "88%", "%").rag == "amber"
    assert rate(Decimal("90"), training, "90%", "%").reason == "Green: 90% (amber below 90%)"
    assert (
        rate(None, training, "no figure for October 2026").reason == "Not rated: no figure for October 2026"
    )


def _add(client, lmns, **fields):
    data = {
        "lmns": lmns.pk,
        "measure": ACTIONS,
        "amber": "1",
        "red": "2",
        "effective_from": "2026-11-01",
        "note": "Earlier escalation agreed at the SQOG.",
        **fields,
    }
    return client.post(reverse("admin:lmns_ragthreshold_add"), data)


def test_the_safety_lead_adds_thresholds_in_the_admin(client, trust, today):
    client.force_login(trust.safety_lead)
    assert _add(client, trust.lmns).status_code == 302
    threshold = RagThreshold.objects.get()
    assert threshold.changed_by == trust.safety_lead
    # Rows are never edited or deleted: a change is a new row.
    change = reverse("admin:lmns_ragthreshold_change", args=[threshold.pk])
    assert client.post(change, {"note": "Edited"}).status_code == 403
    delete = reverse("admin:lmns_ragthreshold_delete", args=[threshold.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert RagThreshold.objects.get().note == "Earlier escalation agreed at the SQOG."


def test_the_safety_lead_sets_only_their_own_lmnss_thresholds(client, trust, today):
    client.force_login(trust.safety_lead)
    page = _add(client, trust.elsewhere.lmns)
    assert page.status_code == 200
    assert "lmns" in page.context["adminform"].form.errors
    assert not RagThreshold.objects.exists()


def test_red_must_be_beyond_amber(client, trust, today):
    client.force_login(trust.safety_lead)
    page = _add(client, trust.lmns, amber="3", red="2")
    assert page.status_code == 200
    assert b"The red threshold must be at or beyond the amber one." in page.content


def test_a_threshold_cannot_be_back_dated(client, trust, today):
    """A past month keeps the rating the board saw: thresholds start this month or later."""
    client.force_login(trust.safety_lead)
    page = _add(client, trust.lmns, effective_from="2026-10-31")
    assert b"A threshold takes effect from the start of this month or later" in page.content
    assert not RagThreshold.objects.exists()


def test_the_direction_follows_the_measure(client, trust, today):
    client.force_login(trust.safety_lead)
    _add(client, trust.lmns, measure="one_to_one_rate", amber="98", red="90", direction="lower")
    assert RagThreshold.objects.get().direction == "higher"


@pytest.mark.parametrize("who", ["officer", "lead", "board"])
def test_nobody_else_sees_thresholds_in_the_admin(client, trust, who):
    client.force_login(getattr(trust, who))
    page = client.get(reverse("admin:lmns_ragthreshold_changelist"))
    assert page.status_code in {302, 403}


def test_the_admin_lists_only_the_safety_leads_lmns(client, trust):
    for lmns in (trust.lmns, trust.elsewhere.lmns):
        RagThreshold.objects.create(
            lmns=lmns, measure=ACTIONS, direction="lower", amber=1, red=2,
            effective_from=date(2026, 1, 1), note=f"Set by {lmns.code}",
        )  # fmt: skip
    client.force_login(trust.safety_lead)
    page = client.get(reverse("admin:lmns_ragthreshold_changelist"))
    assert [row.lmns for row in page.context["cl"].result_list] == [trust.lmns]


def _chart_targets(trust, month, today):
    view = provider_quality(user=SYSTEM, provider=trust.provider, period=month_period(month), today=today)
    return {chart.title: chart.result.target for chart in view.charts}


def test_the_charts_target_lines_are_the_threshold_in_force_for_the_month(trust, today):
    fetal = "Training: Fetal monitoring and surveillance, lowest staff group"
    before = _chart_targets(trust, date(2026, 10, 1), today)
    assert (before[fetal], before["1:1 care in established labour"]) == (90, 100)  # the defaults
    assert before["Midwifery vacancy rate"] is None
    RagThreshold.objects.create(
        lmns=trust.lmns, measure=RagMeasure.FETAL_MONITORING_RATE, direction="higher", amber=85, red=80,
        effective_from=date(2026, 10, 15), note="Agreed at the SQOG.", changed_by=trust.safety_lead,
    )  # fmt: skip
    assert _chart_targets(trust, date(2026, 10, 1), today)[fetal] == 85
    # September ended before the change: its chart keeps the line it had.
    assert _chart_targets(trust, date(2026, 9, 1), today)[fetal] == 90
