"""A record's History page, driven through the browser: the provider lead changes an
incident, then follows its "History of changes" link and reads what changed and who did it."""

import pytest
from playwright.sync_api import expect

from incidents import demo as incidents_demo
from incidents.models import Incident
from lmns.demo import DEMO_LMNS
from lmns.models import Lmns
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_the_lead_reads_who_changed_an_incident(page, seeded_live_server, artifacts):
    incidents_demo.demo_seed(lmns=Lmns.objects.get(code=DEMO_LMNS["code"]))
    incident = Incident.objects.filter(provider__ods_code="ZZA", status="reported").order_by("pk").first()
    sign_in(page, "demo.lead")
    page.goto(f"/incidents/{incident.pk}/edit/")
    page.locator("#id_immediate_actions").fill("Escalated to the consultant on call.")
    page.get_by_role("button", name="Save incident").click()
    page.get_by_role("link", name="History of changes").click()
    expect(page.get_by_role("heading", name="History of changes")).to_be_visible()
    change = page.locator(".app-history-change").first
    expect(change.get_by_role("heading")).to_contain_text("Changed by Lee Lead")
    expect(change.get_by_role("row", name="Immediate actions")).to_contain_text(
        "Escalated to the consultant on call."
    )
    page.screenshot(path=artifacts / "incident-history.png", full_page=True)
