"""Improvement plans and the learning network's health survey, driven through the browser as
new users would drive them (issue #11, "Done when"): a provider lead turns a shared learning
theme into an improvement plan, fills in its tabs, enters six months of measure values and
prints the All view; the LMNS runs a survey round with ten anonymous answers and reads the
results."""

import re
import shutil
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from incidents import demo as incidents_demo
from incidents.improvement import demo as improvement_demo
from incidents.improvement.models import ImprovementPlan, SurveyResponse, SurveyRound
from lmns.models import Lmns
from lmns.months import add_months, first_of_month
from tests.browser.conftest import EXTERNAL_URL, fill_date, menu, sign_in
from tests.browser.test_pages import HEADING_SKIPS_JS, UNLABELLED_FIELDS_JS

pytestmark = pytest.mark.browser

HOME_URL = re.compile(r"^http://[^/]+/$")
PLAN_URL = re.compile(r"/incidents/improvement/(\d+)/$")
THEME = "Medication safety"
SHARED_LEARNING = "Independent double checks for intravenous medicines"
VALUES = ["62", "65", "61", "70", "78", "84"]
# Ten people's answers: the first half mostly agree, the rest are more doubtful.
SCALE = [
    "Strongly agree",
    "Agree",
    "Neither agree nor disagree",
    "Disagree",
    "Strongly disagree",
    "Don't know",
]


IN_BROWSER = 3
# (field name, answer label) of every radio button.
SCALE_VALUES_JS = "inputs => inputs.map(i => [[i.name, i.labels[0].textContent.trim()], i.value])"


def answer(person, number):
    """Person's answer to statement ``number``: the first half mostly agree, the rest are more doubtful."""
    return SCALE[(person // 2 + number) % 4] if person < 5 else SCALE[(person + number) % 6]


def relative(link):
    target = urlsplit(link)
    return f"{target.path}?{target.query}"


@contextmanager
def new_context(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.route(EXTERNAL_URL, lambda route: route.abort())
    context.set_default_timeout(5000)
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page, artifacts, name):
    """Keep a picture of the page, and check its headings and labels as test_pages does."""
    # The NHS.UK error summary's h2 sits above the h1 by design, so only pages without one count.
    if not page.locator(".nhsuk-error-summary").count():
        assert page.evaluate(HEADING_SKIPS_JS) == [], name
    assert page.evaluate(UNLABELLED_FIELDS_JS) == [], name
    path = artifacts / name
    page.screenshot(path=path, full_page=True)
    shutil.copy(path, f"/tmp/{name}")


def open_improvement(page):
    menu(page).get_by_role("link", name="Incidents", exact=True).click()
    nav = page.get_by_role("navigation", name="Incidents and learning")
    nav.get_by_role("link", name="Improvement", exact=True).click()


def open_tab(page, name):
    page.get_by_role("navigation", name="Parts of the plan").get_by_role(
        "link", name=name, exact=True
    ).click()


def open_workbook(download, directory):
    path = directory / download.suggested_filename
    download.save_as(path)
    return openpyxl.load_workbook(path)


def test_a_lead_plans_improvement_and_the_lmns_surveys_its_network(
    page, browser, seeded_live_server, artifacts, tmp_path
):
    lmns = Lmns.objects.get()
    incidents_demo.demo_seed(lmns=lmns)
    improvement_demo.demo_seed(lmns=lmns)
    mail.outbox.clear()

    # 1. The provider lead starts a plan from a theme the SSIG shared.
    sign_in(page, "demo.lead")
    expect(page).to_have_url(HOME_URL)
    open_improvement(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Improvement plans")
    page.get_by_role("link", name=f"start a plan from {THEME}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start an improvement plan")
    expect(page.get_by_label(SHARED_LEARNING)).to_be_checked()
    page.get_by_label("Title", exact=True).fill("Safer intravenous medicines")
    page.get_by_label("Early recognition and management of deterioration").check()
    page.get_by_label("Overarching aim").fill("No intravenous medicine given at the wrong rate.")
    page.get_by_label("Systems and processes", exact=True).check()
    page.get_by_label("Your own secondary drivers").fill("Independent double checks\nSmart pump libraries")
    screenshot(page, artifacts, "improvement-01-start.png")
    page.get_by_role("button", name="Start the plan").click()
    expect(page).to_have_url(PLAN_URL)
    plan = ImprovementPlan.objects.get(title="Safer intravenous medicines")
    assert plan.provider.ods_code == "ZZA"
    assert plan.secondary_drivers == [
        "Systems and processes",
        "Independent double checks",
        "Smart pump libraries",
    ]
    assert list(plan.learning.values_list("title", flat=True)) == [SHARED_LEARNING]

    # 2. General: the nine sections, each with the portal's guidance beside it.
    page.get_by_role("button", name="Change the plan").click()
    page.get_by_label("Project aims").fill("Every IV infusion double checked independently by March.")
    page.get_by_label("What did your baseline data tell you about this topic area?").fill(
        "An audit found 62% of infusions independently double checked."
    )
    page.get_by_label("Risks and contingencies").fill("Night staffing; mitigated by a pharmacist on call.")
    screenshot(page, artifacts, "improvement-02-general-form.png")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_role("status")).to_contain_text("Plan saved.")
    expect(page.get_by_text("An audit found 62% of infusions")).to_be_visible()
    screenshot(page, artifacts, "improvement-02b-general.png")

    # 3. Measurement plan: a measure, two PDSA cycles, six months of values.
    open_tab(page, "Measurement plan")
    page.get_by_role("button", name="Add a measure").click()
    page.get_by_label("Measure", exact=True).fill("Infusions independently double checked")
    page.get_by_label("Process", exact=True).check()
    page.get_by_label("Definition").fill("Infusions with two separate rate calculations / infusions audited.")
    page.get_by_label("Higher is better").check()
    page.get_by_label("Unit").fill("%")
    page.get_by_label("Who collects it").fill("Ward pharmacist")
    page.get_by_label("Lead", exact=True).fill("Matron, labour ward")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Measure saved.")
    months = [add_months(first_of_month(timezone.localdate()), -offset) for offset in range(6, 0, -1)]
    for title, start, change in (
        ("Second checker calculates", months[2], "The second registrant calculates the rate separately."),
        ("Pump library update", months[4], "Drug library limits on every pump."),
    ):
        page.get_by_role("button", name="Add a PDSA cycle").click()
        page.get_by_label("Title").fill(title)
        fill_date(page, "Start date", start)
        page.get_by_label("What changed").fill(change)
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status")).to_contain_text("PDSA cycle saved.")
    page.get_by_role("link", name="enter monthly values for Infusions independently double checked").click()
    for month, value in zip(months, VALUES, strict=True):
        page.get_by_label(f"{month:%B %Y}", exact=True).fill(value)
    page.get_by_role("button", name="Save values").click()
    expect(page.get_by_role("status")).to_contain_text("Values saved.")
    chart = page.locator("svg.spc-chart")
    expect(chart).to_be_visible()
    expect(page.get_by_role("table", name="PDSA cycles on this chart")).to_contain_text("Pump library update")
    expect(page.get_by_role("table", name="Monthly values")).to_contain_text(f"{months[-1]:%B %Y}")
    screenshot(page, artifacts, "improvement-03-measure.png")
    page.get_by_role("link", name="Back to the measurement plan").click()
    pdsa_table = page.get_by_role("table", name="PDSA cycles", exact=True)
    expect(pdsa_table).to_contain_text("Second checker calculates")
    screenshot(page, artifacts, "improvement-03b-measurement-tab.png")

    # 4. Communications plan and team; an incomplete email is refused with a clear message.
    page.goto(plan.get_absolute_url())
    open_tab(page, "Communications plan")
    page.get_by_role("button", name="Add to the communications plan").click()
    page.get_by_label("Audience").fill("Midwives and anaesthetists")
    page.get_by_label("Message").fill("Why two separate calculations.")
    page.get_by_label("Channel or method").fill("Safety huddle")
    page.get_by_label("When").fill("Weekly")
    page.get_by_label("Owner").fill("Matron")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Communication saved.")
    open_tab(page, "Team")
    page.get_by_role("button", name="Add a team member").click()
    page.get_by_label("Name").fill("Jo Evans")
    page.get_by_label("Email address (optional)").fill("jo.evans@")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter a complete email address")
    screenshot(page, artifacts, "improvement-04-team-error.png")
    page.get_by_label("Email address (optional)").fill("jo.evans@example.invalid")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("table", name="Team")).to_contain_text("jo.evans@example.invalid")

    # 5. The All view: every tab on one printable page, and the workbook.
    open_tab(page, "All")
    for text in (
        "An audit found 62%",
        "Infusions independently double checked",
        "Pump library update",
        "Jo Evans",
    ):
        # Visible text only: a chart's description names its PDSA cycles too.
        expect(page.get_by_text(text).filter(visible=True).first).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Parts of the plan")).to_be_hidden()
    screenshot(page, artifacts, "improvement-05-all-print.png")
    page.pdf(path=str(artifacts / "improvement-05-all.pdf"))
    page.emulate_media(media="screen")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="download it as a workbook (xlsx)").click()
    workbook = open_workbook(download_info.value, tmp_path)
    values = [
        row
        for row in workbook["Measure values"].iter_rows(values_only=True)
        if row[0] == "Infusions independently double checked"
    ]
    # Measure, unit, month, value, then the chart's centre line.
    assert [int(row[3]) for row in values] == [int(v) for v in VALUES]

    # 6. The LMNS opens a survey round and invites ten members.
    with new_context(browser, seeded_live_server) as officer:
        sign_in(officer, "demo.officer")
        open_improvement(officer)
        officer.get_by_role("link", name="Learning network health survey").click()
        officer.get_by_role("button", name="Open a round").click()
        officer.get_by_label("Title").fill("Summer round")
        officer.get_by_role("button", name="Open the round").click()
        emails = "\n".join(f"member{n}@example.invalid" for n in range(10))
        officer.get_by_label("Email addresses").fill(emails)
        officer.get_by_role("button", name="Send the invitations").click()
        expect(officer.get_by_role("status")).to_contain_text("10 invitations sent.")
        round_url = officer.url
        links = [re.search(r"http\S+token=\S+", message.body).group(0) for message in mail.outbox]
        assert len(links) == 10

        # 7. Ten members answer anonymously, with no account: three in the browser, the other
        # seven send the same form over HTTP (some 200 clicks in Chromium would prove no more).
        with new_context(browser, seeded_live_server) as member:
            for person, link in enumerate(links[:IN_BROWSER]):
                member.goto(relative(link))
                expect(member.get_by_role("heading", level=1)).to_have_text(
                    "Local Learning System health survey"
                )
                if person == 0:
                    screenshot(member, artifacts, "improvement-06-answer.png")
                    scale_values = member.locator("input[type=radio]").evaluate_all(SCALE_VALUES_JS)
                for number, group in enumerate(member.get_by_role("group").all()):
                    group.get_by_label(answer(person, number), exact=True).check()
                member.get_by_role("button", name="Send my answers").click()
                expect(member.get_by_role("heading", level=1)).to_have_text("Thank you")
            value_of = {(name, label): value for (name, label), value in scale_values}
            statements = list(dict.fromkeys(name for name, _label in value_of))
            for person, link in enumerate(links[IN_BROWSER:], start=IN_BROWSER):
                response = Client().post(
                    relative(link),
                    {
                        "token": parse_qs(urlsplit(link).query)["token"][0],
                        **{
                            name: value_of[(name, answer(person, number))]
                            for number, name in enumerate(statements)
                        },
                    },
                    follow=True,
                )
                assert "Thank you" in response.content.decode()
            member.goto(relative(links[0]))
            expect(member.get_by_role("heading", level=1)).to_have_text("This link no longer works")
        summer = SurveyRound.objects.get(title="Summer round")
        assert SurveyResponse.objects.filter(round=summer).count() == 10

        # 8. The LMNS closes the round and reads the results against the autumn round.
        officer.goto(round_url)
        officer.get_by_role("button", name="Close the round").click()
        expect(officer.get_by_role("heading", level=1)).to_have_text("Close Summer round?")
        officer.get_by_role("button", name="Yes, close the round").click()
        expect(officer.get_by_role("status")).to_contain_text("Round closed.")
        expect(officer.get_by_text("10 answers from 10 invitations")).to_be_visible()
        expect(officer.get_by_text("Change is in percentage points since Autumn round.")).to_be_visible()
        purpose = officer.get_by_role("table", name="Purpose: answers per statement")
        expect(purpose).to_contain_text("All members share a common purpose for the network.")
        expect(purpose).to_contain_text(re.compile(r"(up|down) \d+|no change"))
        screenshot(officer, artifacts, "improvement-07-results.png")
        # Each part of a bar is as wide as its share of the ten answers (drawn without inline
        # style, which the Content-Security-Policy refuses).
        bar = purpose.locator("svg.app-likert").first
        width = bar.bounding_box()["width"]
        counts = [int(text) for text in bar.locator("text").all_text_contents()]
        parts = [rect.bounding_box()["width"] for rect in bar.locator("rect").all()]
        assert sum(counts) == 10
        assert parts == pytest.approx([width * count / 10 for count in counts], abs=1)
        with officer.expect_download() as download_info:
            officer.get_by_role("link", name="Download the results (xlsx)").click()
        results = open_workbook(download_info.value, tmp_path)
        rows = list(results["Results"].iter_rows(values_only=True))
        statement = next(r for r in rows if r[1] == "All members share a common purpose for the network.")
        assert sum(statement[2:8]) == 10
