"""A closed plan owes its highlight report for the month it closed in, and none after: not on the
LMNS's page, the plan's page, the calendar or the weekly reminders. Its reports stay readable."""

from datetime import date

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents.calendar.selectors import calendar_entries
from incidents.highlights import services
from incidents.highlights.models import ReportStatus
from incidents.highlights.reminders import late_highlight_reminders_send
from incidents.highlights.selectors import month_choices, month_due, plan_reports
from incidents.improvement import services as improvement_services
from incidents.improvement.models import ImprovementPlan
from tests.incidents.highlights.factories import make_report

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)  # May's report was due on 10 June
CLOSED_ON = date(2026, 3, 20)  # March's report, due on 10 April, is the last one owed


@pytest.fixture
def closed(plan, lead):
    return improvement_services.plan_close(
        plan=plan, closed_on=CLOSED_ON, summary="Reached 95% and built into the audit calendar.", by=lead
    )


def _row(plan):
    return plan_reports(plans=ImprovementPlan.objects.filter(pk=plan.pk), today=TODAY)[0]


def _submitted_march(plan, lead):
    return make_report(
        plan, by=lead, month=date(2026, 3, 1), status=ReportStatus.SUBMITTED, submitted_by=lead
    )


def test_the_month_it_closed_in_is_the_last_one_owed(plan, lead, closed):
    assert month_due(today=TODAY, due_day=10, plan=closed) == date(2026, 3, 1)
    # Before March's report is due, February's is still the latest past due.
    assert month_due(today=date(2026, 4, 5), due_day=10, plan=closed) == date(2026, 2, 1)
    row = _row(closed)
    assert (row.due_month, row.late, row.finished) == (date(2026, 3, 1), True, False)
    _submitted_march(closed, lead)
    row = _row(closed)
    assert (row.late, row.finished) == (False, True)


def test_a_reopened_plan_owes_its_reports_again(plan, lead, closed):
    _submitted_march(closed, lead)
    reopened = improvement_services.plan_reopen(plan=closed, by=lead)
    row = _row(reopened)
    assert (row.due_month, row.late, row.finished) == (date(2026, 5, 1), True, False)


def test_no_report_can_be_started_for_a_month_after_it_closed(plan, lead, closed):
    months = [value for value, _label in month_choices(plan=closed, today=TODAY)]
    assert months == ["2026-03-01", "2026-02-01", "2026-01-01"]
    with pytest.raises(ValidationError, match="closed on 20 March 2026: choose March 2026 or before"):
        services.highlight_report_create(plan=closed, month=date(2026, 4, 1), by=lead)
    services.highlight_report_create(plan=closed, month=date(2026, 3, 1), by=lead)


def test_no_highlight_report_is_on_the_calendar_after_the_month_it_closed_in(plan, lead, closed):
    entries = [
        entry
        for entry in calendar_entries(user=lead, first=date(2026, 4, 1), last=date(2026, 8, 31))
        if entry.kind == "Highlight report due"
    ]
    assert [(entry.starts_on, entry.late) for entry in entries] == [(date(2026, 4, 10), True)]
    improvement_services.plan_reopen(plan=closed, by=lead)
    entries = calendar_entries(user=lead, first=date(2026, 4, 1), last=date(2026, 8, 31))
    assert len([entry for entry in entries if entry.kind == "Highlight report due"]) == 5


def test_the_leads_are_reminded_of_the_last_report_only(plan, lead, closed, settings):
    settings.SITE_URL = "https://safety.example.nhs.uk/"
    cache.clear()
    try:
        assert late_highlight_reminders_send(today=TODAY) == 1  # March's, still not written
        cache.clear()
        _submitted_march(closed, lead)
        assert late_highlight_reminders_send(today=TODAY) == 0
        assert late_highlight_reminders_send(today=date(2026, 11, 16)) == 0
    finally:
        cache.clear()


def test_the_lmns_page_shows_the_plan_closed_and_not_late(client, plan, lead, officer, closed):
    report = _submitted_march(closed, lead)
    client.force_login(officer)
    url = reverse("incidents:improvement-highlight-list")
    body = client.get(url).content.decode()
    assert "Closed 20 Mar 2026" in body and "Nothing more due: the plan closed" in body
    assert ">Late<" not in body
    assert plan.title not in client.get(url, {"late": "on"}).content.decode()
    assert plan.title in client.get(url, {"plans": "closed"}).content.decode()
    assert plan.title not in client.get(url, {"plans": "open"}).content.decode()
    # The reports already written stay readable, on the plan's page too.
    assert client.get(report.get_absolute_url()).status_code == 200
    client.force_login(lead)
    page = client.get(reverse("incidents:improvement-highlight-plan", kwargs={"pk": plan.pk}))
    assert "Highlight report late" not in page.content.decode()
    assert "This plan closed on 20 March 2026" in page.content.decode()
    assert "Write a highlight report" in page.content.decode()  # January and February are not written


def test_no_report_is_offered_once_every_month_up_to_the_close_has_one(client, plan, lead, closed):
    for month in (1, 2, 3):
        make_report(closed, by=lead, month=date(2026, month, 1))
    client.force_login(lead)
    page = client.get(reverse("incidents:improvement-highlight-plan", kwargs={"pk": plan.pk}))
    assert "Write a highlight report" not in page.content.decode()
