"""One incident's whole journey, driven through the browser as new users would drive it:
recorded by a contributor, learning drafted from it, signed off and submitted by the
provider lead, taken to the SSIG by the LMNS officer, and read in the learning library
by another provider, who still cannot open the incident itself."""

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import demo as incidents_demo
from incidents.models import Incident, Learning, LearningStatus, SsigMeeting
from lmns.demo import DEMO_LMNS, DEMO_PROVIDERS
from lmns.models import Lmns
from tests.browser.conftest import EXTERNAL_URL, fill_date, menu, sign_in

pytestmark = pytest.mark.browser

PROVIDER_NAMES = {ods_code: name for ods_code, name, _units in DEMO_PROVIDERS}
HOME_URL = re.compile(r"^http://[^/]+/$")
INCIDENT_URL = re.compile(r"/incidents/(\d+)/$")
LEARNING_URL = re.compile(r"/incidents/learning/(\d+)/$")
MEETING_URL = re.compile(r"/incidents/meetings/(\d+)/$")

REFERENCE = "E2E-0001"
TITLE = "Escalating a suspicious CTG when the coordinator is in theatre"


def long_date(day):
    """Dates as the pages show them: "3 June 2026"."""
    return f"{day.day} {day:%B %Y}"


@pytest.fixture
def workflow_server(seeded_live_server):
    """The demo organisations and users, plus the demo incidents and SSIG meetings."""
    incidents_demo.demo_seed(lmns=Lmns.objects.get(code=DEMO_LMNS["code"]))
    return seeded_live_server


@contextmanager
def signed_in(browser, live_server, username):
    """A separate browser context (own cookies) for another person, signed in."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.route(EXTERNAL_URL, lambda route: route.abort())
    context.set_default_timeout(5000)
    try:
        page = context.new_page()
        sign_in(page, username)
        expect(page).to_have_url(HOME_URL)
        yield page
    finally:
        context.close()


def open_section(page, name):
    """Header menu "Incidents", then a link in the incidents sub-navigation."""
    menu(page).get_by_role("link", name="Incidents", exact=True).click()
    page.get_by_role("navigation", name="Incidents and learning").get_by_role(
        "link", name=name, exact=True
    ).click()


def summary_row(page, key):
    """The value of a summary-list row (<dt>key</dt><dd>value</dd>)."""
    return (
        page.locator(".nhsuk-summary-list__row")
        .filter(has=page.locator("dt", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$")))
        .locator("dd")
    )


def expect_status_message(page, text):
    expect(page.get_by_role("status")).to_contain_text(text)


def test_incident_to_shared_learning(page, browser, workflow_server, artifacts):
    today = timezone.localdate()
    upcoming = SsigMeeting.objects.get(meeting_on=today + timedelta(days=21))

    # 1. The contributor records an incident, first with a mistyped date.
    sign_in(page, "demo.contributor")
    expect(page).to_have_url(HOME_URL)
    menu(page).get_by_role("link", name="Incidents", exact=True).click()
    page.get_by_role("button", name="Record an incident", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an incident")

    page.get_by_label("Provider", exact=True).select_option(label=PROVIDER_NAMES["ZZA"])
    page.get_by_label("Unit", exact=True).select_option(label="Northshire General Hospital Maternity Unit")
    page.get_by_label("Local reference", exact=True).fill(REFERENCE)
    fill_date(page, "Date occurred", today + timedelta(days=7))
    fill_date(page, "Date reported", today - timedelta(days=2))
    page.get_by_label("Incident type", exact=True).select_option(
        label="Hypoxic-ischaemic encephalopathy or therapeutic cooling"
    )
    # Moderate harm or worse prompts, beside the question, for the duty of candour.
    candour_prompt = page.locator("#duty-of-candour-prompt")
    expect(candour_prompt).to_be_hidden()
    page.get_by_label("Physical harm", exact=True).select_option(label="Moderate physical harm")
    expect(candour_prompt).to_be_visible()
    expect(candour_prompt).to_contain_text("Record whether the statutory duty of candour applies")
    page.get_by_label("Psychological harm", exact=True).select_option(label="Low psychological harm")
    expect(candour_prompt).to_be_visible()
    summary_text = (
        "Suspicious CTG in established labour; escalation to the obstetric registrar was delayed "
        "while the coordinator was in theatre."
    )
    page.get_by_label("What happened", exact=True).fill(summary_text)
    page.get_by_role("button", name="Save incident").click()

    expect(page).to_have_title(re.compile(r"^Error: Record an incident"))
    error_summary = page.locator(".nhsuk-error-summary")
    expect(error_summary).to_be_focused()
    expect(error_summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    future_error = "The date occurred cannot be in the future."
    expect(error_summary.locator("a[href='#id_occurred_on_0']")).to_have_text(future_error)
    expect(page.locator("#id_occurred_on_error")).to_contain_text(future_error)
    expect(page.locator("#id_occurred_on_0")).to_have_class(re.compile(r"nhsuk-input--error"))
    # What was typed survives the round trip: only the date needs fixing.
    expect(page.get_by_label("Local reference", exact=True)).to_have_value(REFERENCE)
    expect(page.get_by_label("What happened", exact=True)).to_have_value(summary_text)
    expect(candour_prompt).to_be_visible()
    page.screenshot(path=artifacts / "workflow-incident-errors.png", full_page=True)
    assert not Incident.objects.filter(local_reference=REFERENCE).exists()

    fill_date(page, "Date occurred", today - timedelta(days=3))
    page.get_by_role("button", name="Save incident").click()

    expect(page).to_have_url(INCIDENT_URL)
    incident_pk = int(INCIDENT_URL.search(page.url).group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Incident {REFERENCE}")
    expect_status_message(page, f"Incident {REFERENCE} recorded.")
    incident = Incident.objects.get(pk=incident_pk)
    assert (incident.provider.ods_code, incident.occurred_on) == ("ZZA", today - timedelta(days=3))

    # 2. From the incident's page, the contributor drafts the learning.
    page.get_by_role("link", name="Record learning from this incident").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record learning")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("What happened", exact=True).fill(
        "A suspicious CTG waited for review while the labour ward coordinator was in theatre."
    )
    page.get_by_label("What we learned", exact=True).fill(
        "No one else on the ward was named to take escalation calls when the coordinator was scrubbed."
    )
    page.get_by_label("What we changed", exact=True).fill(
        "The safety huddle now names a deputy for escalation whenever the coordinator goes to theatre."
    )
    page.get_by_label("Fetal monitoring", exact=True).check()
    # Starting from the incident's page links the incident already.
    expect(page.get_by_label(re.compile(rf"^{REFERENCE}: "))).to_be_checked()
    page.get_by_role("button", name="Save learning").click()

    expect(page).to_have_url(LEARNING_URL)
    learning_pk = int(LEARNING_URL.search(page.url).group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect_status_message(page, "Learning saved as a draft.")
    expect(page.locator("main .nhsuk-tag").first).to_have_text("Draft")
    expect(page.get_by_role("link", name=REFERENCE, exact=True)).to_be_visible()
    # A contributor records learning but may not sign it off.
    expect(page.get_by_role("button", name="Sign off")).to_have_count(0)

    # 3. The provider lead signs it off and submits it to the upcoming SSIG.
    with signed_in(browser, workflow_server, "demo.lead") as lead:
        open_section(lead, "Learning")
        lead.get_by_role("link", name=TITLE, exact=True).click()
        expect(lead).to_have_url(re.compile(rf"/incidents/learning/{learning_pk}/$"))
        lead.get_by_role("button", name="Sign off", exact=True).click()
        expect_status_message(lead, "Learning signed off. It can now be submitted to the SSIG.")

        lead.get_by_role("button", name="Submit to an SSIG meeting").click()
        expect(lead.get_by_role("heading", level=1)).to_have_text(
            "Submit to a Safety System Improvement Group meeting"
        )
        lead.get_by_label("SSIG meeting", exact=True).select_option(
            label=f"{upcoming} (submit by {long_date(upcoming.submission_deadline)})"
        )
        lead.get_by_role("button", name="Submit learning").click()

        expect(lead).to_have_url(re.compile(rf"/incidents/learning/{learning_pk}/$"))
        expect_status_message(lead, f"Submitted to the {upcoming}.")
        expect(lead.locator("main .nhsuk-tag").first).to_have_text("Submitted to SSIG")
    assert Learning.objects.get(pk=learning_pk).submission.meeting == upcoming

    # 4. The LMNS officer finds it on the agenda; the meeting is held once its day comes.
    with signed_in(browser, workflow_server, "demo.officer") as officer:
        open_section(officer, "SSIG meetings")
        officer.get_by_role("link", name=long_date(upcoming.meeting_on), exact=True).click()
        expect(officer).to_have_url(MEETING_URL)
        expect(officer.get_by_role("heading", level=1)).to_have_text(
            f"Safety System Improvement Group, {long_date(upcoming.meeting_on)}"
        )
        agenda_theme = officer.get_by_role("heading", level=3, name=re.compile(r"^Fetal monitoring"))
        expect(agenda_theme).to_contain_text("(1)")
        expect(officer.locator("main ul li").get_by_role("link", name=TITLE, exact=True)).to_be_visible()
        submissions = officer.get_by_role("table", name="Submissions")
        expect(submissions.get_by_role("row", name=re.compile(re.escape(TITLE)))).to_contain_text(
            PROVIDER_NAMES["ZZA"]
        )
        officer.screenshot(path=artifacts / "workflow-agenda.png", full_page=True)

        hold = officer.get_by_role("button", name="Record the meeting as held and share its learning")
        # Not offered before the meeting's day; the page says when it will be.
        expect(hold).to_have_count(0)
        expect(
            officer.get_by_text(
                f"You can record the meeting as held, and share its learning, from its date, "
                f"{upcoming.meeting_on:%-d %B %Y}."
            )
        ).to_be_visible()
        expect(summary_row(officer, "Held")).to_contain_text("Not yet")
        assert Learning.objects.get(pk=learning_pk).status == LearningStatus.SUBMITTED

        # We can't wait three weeks for the meeting day: move the meeting to today
        # (deadline a week before), as if it had been planned that way.
        SsigMeeting.objects.filter(pk=upcoming.pk).update(
            meeting_on=today, submission_deadline=today - timedelta(days=7)
        )
        officer.reload()
        expect(officer.get_by_role("heading", level=1)).to_have_text(
            f"Safety System Improvement Group, {long_date(today)}"
        )
        hold.click()
        expect_status_message(
            officer,
            "Meeting recorded as held. Its learning is now in the learning library for every provider.",
        )
        expect(summary_row(officer, "Held")).to_contain_text("Yes")
        expect(hold).to_have_count(0)
    assert Learning.objects.get(pk=learning_pk).status == LearningStatus.SHARED

    # 5. Another provider in the LMNS reads the learning in the library, not the incident.
    with signed_in(browser, workflow_server, "demo.contributor.vale") as vale:
        open_section(vale, "Learning library")
        expect(vale.get_by_role("heading", level=1)).to_have_text("Learning library")
        filters = vale.locator("form.app-filters")
        vale.locator(".nhsuk-details__summary", has_text="Filter").click()
        filters.get_by_label("Search", exact=True).fill("suspicious CTG")
        filters.get_by_role("button", name="Apply filters").click()

        expect(vale).to_have_url(re.compile(r"/incidents/library/\?.*q=suspicious\+CTG"))
        results = vale.get_by_role("table", name="Learning").locator("tbody tr")
        expect(results).to_have_count(1)
        expect(results.first).to_contain_text(PROVIDER_NAMES["ZZA"])
        expect(results.first).to_contain_text("Fetal monitoring")
        vale.screenshot(path=artifacts / "workflow-library.png", full_page=True)

        results.first.get_by_role("link", name=TITLE, exact=True).click()
        expect(vale).to_have_url(re.compile(rf"/incidents/learning/{learning_pk}/$"))
        expect(vale.get_by_role("heading", level=1)).to_have_text(TITLE)
        expect(vale.locator("main .nhsuk-tag").first).to_have_text("Shared across the LMNS")
        expect(summary_row(vale, "Incidents")).to_contain_text(f"Held by {PROVIDER_NAMES['ZZA']}")
        expect(vale.get_by_role("link", name=REFERENCE)).to_have_count(0)
        expect(vale.get_by_role("button", name="Sign off")).to_have_count(0)
        expect(vale.get_by_role("button", name="Change learning")).to_have_count(0)
        vale.screenshot(path=artifacts / "workflow-library-learning.png", full_page=True)

        response = vale.goto(f"/incidents/{incident_pk}/")
        assert response.status == 404
        expect(vale.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(vale.locator("main")).not_to_contain_text(REFERENCE)
