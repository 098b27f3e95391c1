"""Closing an improvement plan when its work has ended, and reopening it: by whoever may change
the plan, kept in the plan's history, and shown on its page and in the list of plans."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents.improvement import services
from lmns.models import Role
from lmns.months import add_months, first_of_month
from tests.factories import make_lmns, make_provider, make_user
from tests.incidents.highlights.factories import make_report
from tests.incidents.improvement.factories import make_plan

pytestmark = pytest.mark.django_db

SUMMARY = "Reached 95% of CTGs reviewed; the audit is now part of the monthly audit calendar."


@pytest.fixture
def provider():
    return make_provider(make_lmns("Otter LMNS"), "Otter Bay NHS Trust", "OB1")


@pytest.fixture
def contributor(provider):
    return make_user("contributor", role=Role.PROVIDER_CONTRIBUTOR, provider=provider)


@pytest.fixture
def board(provider):
    return make_user("board", role=Role.BOARD_VIEWER, provider=provider)


@pytest.fixture
def plan(provider):
    return make_plan(provider)


def test_closing_and_reopening_are_kept_in_the_plans_history(plan, contributor):
    today = timezone.localdate()
    services.plan_close(plan=plan, closed_on=today, summary=f"  {SUMMARY} ", by=contributor)
    plan.refresh_from_db()
    assert (plan.closed_on, plan.closing_summary, plan.is_closed) == (today, SUMMARY, True)
    with pytest.raises(ValidationError, match="This plan was closed on"):
        services.plan_close(plan=plan, closed_on=today, summary=SUMMARY, by=contributor)
    services.plan_reopen(plan=plan, by=contributor)
    plan.refresh_from_db()
    assert (plan.closed_on, plan.closing_summary) == (None, "")
    with pytest.raises(ValidationError, match="This plan is open"):
        services.plan_reopen(plan=plan, by=contributor)
    history = plan.history.order_by("history_date")
    assert [(h.closed_on, h.closing_summary) for h in history] == [
        (None, ""),
        (today, SUMMARY),
        (None, ""),
    ]


@pytest.mark.parametrize(
    ("days", "summary", "message"),
    [
        (1, SUMMARY, "must be today or in the past"),
        (-3, SUMMARY, "on or after the day it started"),
        (0, "   ", "Enter the closing summary"),
    ],
)
def test_a_plan_closes_on_a_day_since_it_started_with_a_summary(plan, contributor, days, summary, message):
    with pytest.raises(ValidationError, match=message):
        services.plan_close(
            plan=plan, closed_on=timezone.localdate() + timedelta(days=days), summary=summary, by=contributor
        )
    plan.refresh_from_db()
    assert plan.closed_on is None


def test_a_plan_cannot_close_before_a_month_it_has_reported_on(plan, contributor):
    # A report for a later month would stay as the plan's latest, for work said to have ended.
    today = timezone.localdate()
    type(plan).objects.filter(pk=plan.pk).update(created_at=timezone.now() - timedelta(days=120))
    make_report(plan, by=contributor, month=first_of_month(today))
    with pytest.raises(ValidationError, match=f"has a highlight report for {today:%B %Y}"):
        services.plan_close(
            plan=plan, closed_on=add_months(first_of_month(today), -1), summary=SUMMARY, by=contributor
        )
    services.plan_close(plan=plan, closed_on=first_of_month(today), summary=SUMMARY, by=contributor)


def test_whoever_may_change_the_plan_closes_it_and_reopens_it(client, plan, contributor, board):
    close = reverse("incidents:improvement-close", kwargs={"pk": plan.pk})
    reopen = reverse("incidents:improvement-reopen", kwargs={"pk": plan.pk})
    client.force_login(board)
    assert client.get(close).status_code == 403
    assert client.post(reopen).status_code == 403
    assert "Close the plan" not in client.get(plan.get_absolute_url()).content.decode()

    client.force_login(contributor)
    assert "Close the plan" in client.get(plan.get_absolute_url()).content.decode()
    today = timezone.localdate()
    response = client.post(
        close,
        {
            "closed_on_day": "",
            "closed_on_month": str(today.month),
            "closed_on_year": str(today.year),
            "summary": SUMMARY,
        },
    )
    assert response.status_code == 200
    assert "Date the plan closed must include a day" in response.content.decode()
    response = client.post(
        close,
        {
            "closed_on_day": str(today.day),
            "closed_on_month": str(today.month),
            "closed_on_year": str(today.year),
            "summary": SUMMARY,
        },
    )
    assert response.status_code == 302
    page = client.get(plan.get_absolute_url()).content.decode()
    assert f"This plan closed on {today:%-d %B %Y}" in page and SUMMARY in page and "Reopen the plan" in page
    index = client.get(reverse("incidents:improvement-index")).content.decode()
    assert re.search(r'<strong class="nhsuk-tag[^"]*">\s*Closed\s*</strong>', index)
    # Closed already: the form is not offered again.
    assert client.get(close).status_code == 302

    assert client.post(reopen).status_code == 302
    plan.refresh_from_db()
    assert plan.closed_on is None
    assert "Close the plan" in client.get(plan.get_absolute_url()).content.decode()
    assert client.get(reopen).status_code == 405


def test_another_providers_plan_cannot_be_closed(client, plan, provider):
    stranger = make_user(
        "stranger", role=Role.PROVIDER_LEAD, provider=make_provider(provider.lmns, "Heron Vale", "HV1")
    )
    client.force_login(stranger)
    assert client.get(reverse("incidents:improvement-close", kwargs={"pk": plan.pk})).status_code == 404
    assert client.post(reverse("incidents:improvement-reopen", kwargs={"pk": plan.pk})).status_code == 404


def test_an_lmns_plan_closes_too_and_says_nothing_of_highlight_reports(client, provider):
    officer = make_user("officer", role=Role.LMNS_OFFICER, lmns=provider.lmns)
    lmns_plan = make_plan(lmns=provider.lmns, title="LMNS-wide plan")
    services.plan_close(plan=lmns_plan, closed_on=timezone.localdate(), summary=SUMMARY, by=officer)
    client.force_login(officer)
    page = client.get(lmns_plan.get_absolute_url()).content.decode()
    assert "This plan closed on" in page and "highlight report is due" not in page
