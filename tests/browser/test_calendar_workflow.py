"""The calendar of activities as new users would use it (issue #23, "Done when"): the LMNS
officer adds a learning set for two providers; both providers' leads see it on their calendar,
and in Outlook through their own feed address, which a real iCalendar parser reads."""

import re
import urllib.request
from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from incidents import demo as incidents_demo
from incidents.highlights import demo as highlights_demo
from incidents.highlights.models import HighlightReport, ReportStatus, report_due_on
from incidents.highlights.selectors import due_days
from incidents.improvement import demo as improvement_demo
from lmns.models import Lmns
from tests.browser.conftest import fill_date, menu, sign_in
from workforce.score import demo as score_demo
from workforce.score.models import ScoreWave

pytestmark = pytest.mark.browser

HOME_URL = re.compile(r"^http://[^/]+/$")
TITLE = "Wave 2 learning set 1"
LEADS = {
    "demo.lead": "Northshire Hospitals NHS Foundation Trust",
    "demo.lead.vale": "Vale Valley University Hospitals NHS Trust",
}


def test_the_officer_adds_a_learning_set_that_reaches_both_leads_and_their_outlook(
    page, browser, seeded_live_server, artifacts
):
    day = timezone.localdate() + timedelta(days=20)
    sign_in(page, "demo.officer")
    expect(page).to_have_url(HOME_URL)
    menu(page).get_by_role("link", name="Calendar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{timezone.localdate():%B %Y}")
    page.get_by_role("button", name="Add an event").click()
    page.get_by_role("button", name="Save event").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter title")
    page.screenshot(path=str(artifacts / "calendar-event-form-errors.png"), full_page=True)
    page.get_by_label("Learning set", exact=True).check()
    page.get_by_label("Title").fill(TITLE)
    fill_date(page, "Start date", day)
    page.get_by_label("Start time").fill("09:30")
    fill_date(page, "End date (optional)", day + timedelta(days=2))
    page.get_by_label("End time").fill("16:00")
    page.get_by_label("Place").fill("Northshire Conference Centre")
    page.get_by_label("Only the providers I choose").check()
    for provider in LEADS.values():
        page.get_by_label(provider).check()
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text(f"“{TITLE}” added to the calendar.")).to_be_visible()
    page.screenshot(path=str(artifacts / "calendar-event.png"), full_page=True)

    month = f"/incidents/calendar/?month={day:%Y-%m}"
    page.goto(month)
    expect(page.get_by_role("link", name=re.compile(TITLE)).first).to_be_visible()
    page.screenshot(path=str(artifacts / "calendar-month.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(month)
    page.screenshot(path=str(artifacts / "calendar-month-phone.png"), full_page=True)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375, f"the month is {scroll_width}px wide on a phone"

    for username, provider in LEADS.items():
        context = browser.new_context(base_url=seeded_live_server.url, locale="en-GB")
        context.set_default_timeout(5000)
        lead = context.new_page()
        sign_in(lead, username)
        expect(lead).to_have_url(HOME_URL)
        lead.goto(month)
        # Three days, three links to the one event.
        expect(lead.get_by_role("link", name=re.compile(TITLE))).to_have_count(3)
        lead.get_by_role("link", name="List").click()
        lead.screenshot(path=str(artifacts / f"calendar-list-{username}.png"), full_page=True)
        lead.get_by_role("link", name=TITLE).click()
        expect(lead.get_by_role("heading", level=1)).to_have_text(TITLE)
        other = next(name for name in LEADS.values() if name != provider)
        expect(lead.get_by_text(other)).to_have_count(0)

        lead.goto(month)
        lead.get_by_role("link", name="Add to Outlook or another calendar app").click()
        lead.get_by_role("button", name="Make my calendar address").click()
        feed_url = lead.locator("code").inner_text().strip()
        context.close()
        # What Outlook does: fetch the address, signed in as nobody.
        with urllib.request.urlopen(feed_url) as response:
            assert response.headers["Content-Type"].startswith("text/calendar")
            calendar = icalendar.Calendar.from_ical(response.read())
        events = [event for event in calendar.walk("VEVENT") if str(event["SUMMARY"]) == TITLE]
        assert len(events) == 1, username
        assert events[0].decoded("DTSTART").date() == day
        assert str(events[0]["LOCATION"]) == "Northshire Conference Centre"


def test_a_lead_finds_the_late_highlight_report_and_the_score_window_the_other_lead_does_not(
    page, browser, seeded_live_server, artifacts
):
    lmns = Lmns.objects.get()
    incidents_demo.demo_seed(lmns=lmns)
    improvement_demo.demo_seed(lmns=lmns)
    highlights_demo.demo_seed(lmns=lmns)
    score_demo.demo_seed(lmns=lmns)
    late = HighlightReport.objects.select_related("plan__provider").get(status=ReportStatus.DRAFT)
    due_on = report_due_on(late.month, due_days([lmns.pk])[lmns.pk])
    wave = ScoreWave.objects.select_related("provider").get()
    report_month = f"{reverse('incidents:calendar')}?month={due_on:%Y-%m}"
    report_title = f"Highlight report for {late.month:%B %Y} due: {late.plan.title}"
    window_title = f"{wave} survey closes ({wave.provider.name})"
    window_list = f"{reverse('incidents:calendar-list')}?month={wave.closes_on:%Y-%m}"

    sign_in(page, "demo.lead")
    expect(page).to_have_url(HOME_URL)
    page.goto(report_month)
    entry = page.get_by_role("link", name=re.compile(re.escape(report_title)))
    expect(entry).to_contain_text("Late")
    page.screenshot(path=str(artifacts / "calendar-month-highlight-late.png"), full_page=True)
    entry.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Highlight report: {late.month:%B %Y}")
    page.goto(window_list)
    page.screenshot(path=str(artifacts / "calendar-list-score-window.png"), full_page=True)
    page.get_by_role("link", name=window_title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(str(wave))

    context = browser.new_context(base_url=seeded_live_server.url, locale="en-GB")
    context.set_default_timeout(5000)
    other = context.new_page()
    sign_in(other, "demo.lead.vale")
    expect(other).to_have_url(HOME_URL)
    other.goto(report_month)
    expect(other.get_by_role("link", name=re.compile("Highlight report for"))).to_have_count(0)
    other.goto(window_list)
    expect(other.get_by_role("link", name=re.compile("SCORE"))).to_have_count(0)
    context.close()


def test_the_officer_makes_a_cohort_whose_event_reaches_its_lead_only(
    page, browser, seeded_live_server, artifacts
):
    day = timezone.localdate() + timedelta(days=22)
    cohort_title = "Wave 2 cohort webinar"
    sign_in(page, "demo.officer")
    expect(page).to_have_url(HOME_URL)
    page.goto("/incidents/calendar/")
    page.get_by_role("link", name="Cohorts").click()
    page.get_by_role("button", name="Add a cohort").click()
    page.get_by_role("button", name="Save cohort").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Select the providers in the cohort")
    page.screenshot(path=str(artifacts / "calendar-cohort-form-errors.png"), full_page=True)
    page.get_by_label("Name").fill("Wave 2 of the collaborative")
    page.get_by_label(LEADS["demo.lead"]).check()
    page.get_by_role("button", name="Save cohort").click()
    expect(page.get_by_text("Cohort “Wave 2 of the collaborative” added.")).to_be_visible()
    page.screenshot(path=str(artifacts / "calendar-cohorts.png"), full_page=True)

    page.goto("/incidents/calendar/events/new/")
    page.get_by_label("Webinar", exact=True).check()
    page.get_by_label("Title").fill(cohort_title)
    fill_date(page, "Start date", day)
    page.get_by_label("Start time").fill("12:00")
    page.get_by_label("End time").fill("13:00")
    page.get_by_label("Joining link").fill("https://example.org/join")
    page.get_by_label("A cohort", exact=True).check()
    page.get_by_label("Cohort", exact=True).select_option(label="Wave 2 of the collaborative")
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(cohort_title)
    page.screenshot(path=str(artifacts / "calendar-cohort-event.png"), full_page=True)

    month = f"/incidents/calendar/list/?month={day:%Y-%m}"
    for username, sees in (("demo.lead", 1), ("demo.lead.vale", 0)):
        context = browser.new_context(base_url=seeded_live_server.url, locale="en-GB")
        context.set_default_timeout(5000)
        lead = context.new_page()
        sign_in(lead, username)
        expect(lead).to_have_url(HOME_URL)
        lead.goto(month)
        expect(lead.get_by_role("link", name=cohort_title)).to_have_count(sees)
        if sees:
            lead.get_by_role("link", name=cohort_title).click()
            expect(lead.get_by_text("Wave 2 of the collaborative")).to_have_count(0)
            lead.screenshot(path=str(artifacts / "calendar-cohort-event-lead.png"), full_page=True)
        context.close()
