"""One assurance visit's whole journey, driven through the browser as new users would drive it
(issue #5, "Done when"): the LMNS officer plans a visit to ZZA, reads the pre-visit pack,
records findings (one an immediate safety concern, which emails the LMNS safety lead) and
staff feedback, adds a recommendation, marks the visit visited and issues the report; the
provider lead answers the recommendation and asks for closure; the officer closes it and
then the visit. A lead at another provider cannot open the visit at all."""

import re
import shutil
from contextlib import contextmanager
from datetime import timedelta

import openpyxl
import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from assurance.visits.models import (
    Finding,
    FindingKind,
    Recommendation,
    RecommendationStatus,
    StaffFeedback,
    Visit,
    VisitReport,
    VisitStatus,
)
from assurance.visits.template_files import load_template_files
from lmns.demo import DEMO_PROVIDERS
from tests.browser.conftest import EXTERNAL_URL, fill_date, menu, sign_in

pytestmark = pytest.mark.browser

PROVIDER_NAMES = {ods_code: name for ods_code, name, _units in DEMO_PROVIDERS}
ZZA = PROVIDER_NAMES["ZZA"]
UNIT = "Northshire General Hospital Maternity Unit"
HOME_URL = re.compile(r"^http://[^/]+/$")
VISIT_URL = re.compile(r"/assurance/visits/(\d+)/$")
REPORT_URL = re.compile(r"/assurance/reports/(\d+)/$")
RECOMMENDATION_URL = re.compile(r"/assurance/recommendations/(\d+)/$")

TEAM = [
    ("Olivia Officer", "LMNS quality and safety officer"),
    ("Priya Shah", "LMNS lead midwife"),
    ("Jo Evans", "Maternity and Neonatal Voices Partnership representative"),
]
GOOD_PRACTICE = "Daily safety huddles at 08:00 and 20:00 include the neonatal team and the coordinator."
IMMEDIATE = (
    "The resuscitaire on delivery room 4 had no daily check recorded for 9 days and its suction failed."
)
IMPROVEMENT = "Fresh eyes CTG reviews are not documented hourly on the labour ward."
FEEDBACK = "Staff said escalation to the consultant at night works well, but agency cover is not inducted."
RECOMMENDATION = (
    "Introduce a documented hourly fresh eyes review on every continuous CTG, and audit it monthly."
)
SUMMARY = "A calm, well-led unit with strong multidisciplinary working; one equipment concern was escalated."
PROGRESS = "Fresh eyes sticker added to the CTG proforma; the March audit shows 96% compliance."


def long_date(day):
    """Dates as the pages show them: "3 June 2026"."""
    return f"{day.day} {day:%B %Y}"


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


def open_visits(page, link="Visits"):
    menu(page).get_by_role("link", name="Assurance", exact=True).click()
    page.get_by_role("navigation", name="Assurance").get_by_role("link", name=link, exact=True).click()


def expect_status_message(page, text):
    expect(page.get_by_role("status")).to_contain_text(text)


def summary_row(page, key):
    """The value of a summary-list row (<dt>key</dt><dd>value</dd>), whatever whitespace the
    design system's summary list writes around the key."""
    return (
        page.locator(".nhsuk-summary-list__row")
        .filter(has=page.locator("dt", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$")))
        .locator("dd")
    )


def screenshot(page, artifacts, name):
    path = artifacts / name
    page.screenshot(path=path, full_page=True)
    shutil.copy(path, f"/tmp/{name}")


def record_finding(page, *, domain, kind, description, unit=None):
    page.get_by_role("button", name="Record a finding", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a finding")
    page.get_by_role("group", name="Section").get_by_label(domain, exact=True).check()
    page.get_by_label(kind, exact=True).check()
    if unit:
        page.get_by_label("Unit", exact=True).select_option(label=unit)
    page.get_by_label("Description", exact=True).fill(description)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(VISIT_URL)


def test_visit_planned_recorded_reported_and_followed_up(
    page, browser, seeded_live_server, artifacts, tmp_path
):
    today = timezone.localdate()
    due = today + timedelta(days=60)
    mail.outbox.clear()
    load_template_files()  # as load_frameworks does on a real deployment

    # 1. The LMNS officer plans a visit to ZZA, today, with the CQC five key questions.
    sign_in(page, "demo.officer")
    expect(page).to_have_url(HOME_URL)
    open_visits(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Assurance visits")
    page.get_by_role("button", name="Plan a visit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan a visit")
    units = page.get_by_role("group", name="Units visited", exact=True)
    elsewhere = units.get_by_label(f"{PROVIDER_NAMES['ZZB']}: Vale Valley Women's Unit", exact=True)
    elsewhere.check()
    page.get_by_label("Provider visited", exact=True).select_option(label=ZZA)
    # The units offered follow the provider chosen, and one of another provider is unticked.
    expect(elsewhere).to_be_hidden()
    expect(elsewhere).not_to_be_checked()
    expect(units.get_by_label(f"{ZZA}: {UNIT}", exact=True)).to_be_visible()
    fill_date(page, "Date of visit", today)
    page.get_by_label("Routine assurance", exact=True).check()
    page.get_by_label(f"{ZZA}: {UNIT}", exact=True).check()
    page.get_by_label("Visit team", exact=True).fill("\n".join(f"{name}, {role}" for name, role in TEAM))
    # The CQC template is chosen for a start; the self-assessment draft is not offered at all.
    templates = page.get_by_role("group", name="Visit template")
    expect(templates.get_by_label("CQC five key questions (2026)", exact=True)).to_be_checked()
    expect(templates).not_to_contain_text("self-assessment")
    page.get_by_role("button", name="Plan the visit", exact=True).click()
    expect(page).to_have_url(VISIT_URL)
    expect_status_message(page, "Visit planned.")
    visit = Visit.objects.get(provider__ods_code="ZZA")
    visit_url = visit.get_absolute_url()
    assert (visit.visit_on, visit.status) == (today, VisitStatus.PLANNED)
    assert [(m.name, m.role) for m in visit.team.all()] == TEAM
    assert [u.name for u in visit.units.all()] == [UNIT]
    assert set(visit.lines_of_enquiry.values_list("domain", flat=True)) == {
        "safe",
        "effective",
        "caring",
        "responsive",
        "well_led",
    }
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Routine assurance visit, {long_date(today)}")
    expect(summary_row(page, "Visit team")).to_contain_text(
        "Jo Evans, Maternity and Neonatal Voices Partnership representative"
    )
    expect(page.get_by_role("heading", level=3, name="Well-led", exact=True)).to_be_visible()

    # 2. The pre-visit pack, and its workbook.
    page.get_by_role("link", name="Pre-visit pack", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pre-visit pack")
    expect(page.locator(".nhsuk-caption-l")).to_have_text(f"{ZZA} (ZZA)")
    expect(summary_row(page, "Incidents in the last 12 months")).to_have_text("0")
    expect(summary_row(page, "Recommendations overdue from earlier visits")).to_have_text("0")
    screenshot(page, artifacts, "visit-pack.png")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the pack as a spreadsheet", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == f"pre-visit-pack-ZZA-{today}.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[0] == "Summary"
    assert workbook["Summary"]["A1"].value.startswith(f"Pre-visit pack: {ZZA} (ZZA)")
    page.goto(visit_url)

    # 3. On the day: good practice, an immediate safety concern, an area for improvement.
    record_finding(page, domain="Well-led", kind="Good practice", description=GOOD_PRACTICE)
    expect_status_message(page, "Finding recorded.")
    assert not mail.outbox
    record_finding(page, domain="Safe", kind="Immediate safety concern", description=IMMEDIATE, unit=UNIT)
    expect_status_message(page, "Finding recorded. The LMNS safety lead has been emailed.")
    (email,) = mail.outbox
    assert email.to == ["demo.safetylead@example.invalid"]
    assert email.subject == f"Immediate safety concern: visit to {ZZA}"
    for line in [
        f"Provider: {ZZA} (ZZA)",
        "Section: Safe",
        f"Unit: {UNIT}",
        "Recorded by: Olivia Officer",
    ]:
        assert line in email.body, line
    assert visit_url in email.body
    # The concern itself stays behind sign-in.
    assert IMMEDIATE not in email.body and "resuscitaire" not in email.body
    assert Finding.objects.get(kind=FindingKind.IMMEDIATE).escalated_at is not None
    record_finding(page, domain="Safe", kind="Area for improvement", description=IMPROVEMENT)
    assert len(mail.outbox) == 1

    # The immediate safety concern is at the top of the visit page.
    callout = page.locator("#immediate-safety-concerns")
    expect(callout).to_contain_text("Immediate safety concern")
    expect(callout).to_contain_text(IMMEDIATE)
    expect(callout).to_contain_text("LMNS safety lead emailed")
    assert (
        callout.bounding_box()["y"]
        < page.get_by_role("heading", name="The visit", exact=True).bounding_box()["y"]
    )

    # Staff feedback, without names.
    page.get_by_role("button", name="Record staff feedback", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record what staff told us")
    page.get_by_label("Staff group", exact=True).select_option(label="Midwife")
    page.get_by_role("group", name="Section").get_by_label("Safe", exact=True).check()
    page.get_by_label("What staff told us", exact=True).fill(FEEDBACK)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(VISIT_URL)
    expect_status_message(page, "Staff feedback recorded.")
    assert StaffFeedback.objects.get().feedback == FEEDBACK

    # A recommendation from the area for improvement, owned by the ZZA lead.
    findings = page.get_by_role("table", name="Findings")
    findings.locator("tbody tr").filter(has_text=IMPROVEMENT).get_by_role(
        "link", name="Add a recommendation for this finding"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a recommendation")
    improvement = Finding.objects.get(kind=FindingKind.IMPROVEMENT)
    expect(page.get_by_label("The finding it answers", exact=True)).to_have_value(str(improvement.pk))
    page.get_by_label("Recommendation", exact=True).fill(RECOMMENDATION)
    page.get_by_label("Owner", exact=True).select_option(label="Lee Lead")
    fill_date(page, "Due date", due)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(VISIT_URL)
    expect_status_message(page, "Recommendation added.")
    recommendation = Recommendation.objects.get()
    assert (recommendation.owner.username, recommendation.finding_id) == ("demo.lead", improvement.pk)
    screenshot(page, artifacts, "visit-detail.png")

    # The report summary, by changing the visit.
    page.get_by_role("button", name="Change the visit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the visit")
    page.get_by_label("Report summary", exact=True).fill(SUMMARY)
    page.get_by_role("button", name="Save changes", exact=True).click()
    expect(page).to_have_url(VISIT_URL)
    expect_status_message(page, "Visit updated.")
    expect(summary_row(page, "Report summary")).to_have_text(SUMMARY)
    assert [(m.name, m.role) for m in visit.team.all()] == TEAM

    page.get_by_role("button", name="Mark as visited", exact=True).click()
    expect_status_message(page, "Visit marked visited.")
    expect(page.locator("h1 ~ p .nhsuk-tag").first).to_have_text("Visited")

    # 4. The draft report, then issued.
    page.get_by_role("link", name="Draft report", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("LMNS assurance visit report")
    expect(page.locator(".app-draft")).to_contain_text("Draft")
    expect(page.get_by_role("heading", level=2, name="Good practice")).to_be_visible()
    expect(page.get_by_text(GOOD_PRACTICE)).to_have_count(2)  # by domain, and under good practice
    page.get_by_label("I have read the report as it reads now").check()
    page.get_by_role("button", name="Issue the report", exact=True).click()
    expect(page).to_have_url(REPORT_URL)
    expect_status_message(page, "Report version 1 issued.")
    expect(page.locator(".app-draft")).to_have_count(0)
    expect(
        page.get_by_text(re.compile(r"^Version 1, issued .* An issued report does not change"))
    ).to_be_visible()
    expect(page.get_by_text(SUMMARY)).to_be_visible()
    expect(page.get_by_role("table", name="Recommendations with owners and due dates")).to_contain_text(
        "Lee Lead"
    )
    expect(page.get_by_role("button", name=re.compile("^Issue"))).to_have_count(0)
    screenshot(page, artifacts, "visit-report.png")
    report = VisitReport.objects.get()
    assert (report.version, Visit.objects.get().status) == (1, VisitStatus.REPORT_ISSUED)
    owner_email = mail.outbox[-1]
    assert owner_email.to == ["demo.lead@example.invalid"]
    assert recommendation.get_absolute_url() in owner_email.body
    assert report.get_absolute_url() in owner_email.body

    # The visit cannot close while the recommendation is open.
    page.goto(visit_url)
    expect(page.get_by_role("link", name="Issued report, version 1", exact=True)).to_have_attribute(
        "href", report.get_absolute_url()
    )
    page.get_by_role("button", name="Close the visit", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("1 recommendation is not closed yet.")

    # 5. The provider lead answers the recommendation and asks the LMNS to close it.
    with signed_in(browser, seeded_live_server, "demo.lead") as lead:
        open_visits(lead, "Recommendations")
        lead.get_by_role("link", name=RECOMMENDATION, exact=True).click()
        expect(lead).to_have_url(RECOMMENDATION_URL)
        expect(summary_row(lead, "Owner")).to_have_text("Lee Lead")
        lead.get_by_role("button", name="Answer this recommendation", exact=True).click()
        expect(lead.get_by_role("heading", level=1)).to_have_text("Answer the recommendation")
        lead.get_by_label("Progress", exact=True).fill(PROGRESS)
        lead.get_by_label("Evidence link (optional)", exact=True).fill(
            "https://intranet.example.invalid/ctg-audit"
        )
        lead.get_by_label("What the evidence is (optional)", exact=True).fill("Fresh eyes audit, March")
        lead.get_by_label("This recommendation is done: ask the LMNS to close it", exact=True).check()
        lead.get_by_role("button", name="Send", exact=True).click()
        expect(lead).to_have_url(RECOMMENDATION_URL)
        expect_status_message(lead, "Sent to the LMNS to close.")
        expect(lead.locator("h1 ~ p .nhsuk-tag").first).to_have_text("Awaiting LMNS review")
        expect(lead.get_by_text(PROGRESS)).to_be_visible()
        expect(lead.get_by_role("link", name="Fresh eyes audit, March")).to_be_visible()
        # The provider answers; only the LMNS decides.
        expect(lead.get_by_role("button", name="Save decision")).to_have_count(0)
    assert Recommendation.objects.get().status == RecommendationStatus.AWAITING_REVIEW

    # 6. The officer closes the recommendation, then the visit.
    page.goto(recommendation.get_absolute_url())
    expect(page.get_by_text(PROGRESS)).to_be_visible()
    page.get_by_label("Close the recommendation", exact=True).check()
    page.get_by_role("button", name="Save decision", exact=True).click()
    expect_status_message(page, "Recommendation closed.")
    expect(page.locator("h1 ~ p .nhsuk-tag").first).to_have_text("Closed")
    assert Recommendation.objects.get().status == RecommendationStatus.CLOSED
    page.get_by_role("link", name=str(visit), exact=True).click()
    expect(page).to_have_url(VISIT_URL)
    page.get_by_role("button", name="Close the visit", exact=True).click()
    expect_status_message(page, "Visit marked closed.")
    expect(page.locator("h1 ~ p .nhsuk-tag").first).to_have_text("Closed")
    expect(page.get_by_role("button", name="Record a finding")).to_have_count(0)
    assert Visit.objects.get().status == VisitStatus.CLOSED

    # 7. A lead at another provider cannot see that the visit exists.
    with signed_in(browser, seeded_live_server, "demo.lead.vale") as vale:
        for url in [visit_url, f"{visit_url}pack/", f"{visit_url}report/", report.get_absolute_url()]:
            assert vale.goto(url).status == 404, url
        open_visits(vale, "Recommendations")
        expect(vale.get_by_text(RECOMMENDATION)).to_have_count(0)
