"""The home page shows each person the work waiting for them: a provider lead sees learning to
sign off and a requirement the LMNS challenged, an LMNS officer the requirements awaiting
verification, oldest first; the navigation carries the same counts. At desktop and phone width."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from assurance.models import Verification
from assurance.services import assessment_start
from incidents.models import LearningStatus
from lmns.models import Provider
from tests.browser.conftest import EXTERNAL_URL, sign_in
from tests.factories import make_framework, make_learning

pytestmark = pytest.mark.browser

HOME_URL = re.compile(r"^http://[^/]+/$")
SHOTS = Path("/tmp/home-shots")
PHONE = {"width": 390, "height": 844}


def _waiting_work():
    """A draft and a signed-off learning at ZZA; requirements sent for verification at ZZA and
    ZZB a week and three weeks ago, and one the LMNS challenged at ZZA."""
    lead = get_user_model().objects.get(username="demo.lead")
    zza, zzb = Provider.objects.get(ods_code="ZZA"), Provider.objects.get(ods_code="ZZB")
    make_learning(zza, title="Fresh eyes at handover", created_by=lead)
    make_learning(zza, title="Escalating sepsis", status=LearningStatus.SIGNED_OFF)
    framework = make_framework("home-check")
    now = timezone.now()
    items = {}
    for provider, days in ((zza, 7), (zzb, 21)):
        assessment = assessment_start(provider=provider, framework=framework, by=lead)
        item = assessment.items.order_by("pk").first()
        item.verification = Verification.AWAITING
        item.submitted_at = now - timedelta(days=days)
        item.save()
        items[provider.ods_code] = item
    challenged = items["ZZA"].assessment.items.order_by("pk")[1]
    challenged.verification = Verification.CHALLENGED
    challenged.save()
    return items, challenged


def _shoot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=SHOTS / f"{name}-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _work(page, label):
    return page.locator(".app-work-list li").filter(has=page.get_by_role("link", name=label))


def test_provider_lead_and_officer_see_their_waiting_work_on_home(page, browser, seeded_live_server):
    items, challenged = _waiting_work()

    sign_in(page, "demo.lead")
    expect(page).to_have_url(HOME_URL)
    expect(page.get_by_role("heading", name="Work that needs you")).to_be_visible()
    expect(_work(page, "Learning awaiting your sign-off")).to_contain_text("1")
    expect(_work(page, "Signed-off learning not yet submitted to the SSIG")).to_contain_text("1")
    expect(_work(page, "Requirements challenged by the LMNS")).to_contain_text("1")
    # The officer's queue is not the lead's work.
    expect(page.get_by_role("link", name=re.compile("awaiting your verification"))).to_have_count(0)
    # Two learning items waiting in Incidents, one challenge in Assurance.
    menu = page.get_by_role("navigation", name="Menu")
    incidents = menu.get_by_role("link", name="Incidents", exact=True)
    expect(incidents).to_have_accessible_description("2 waiting for you")
    expect(incidents.locator(".app-nav-badge")).to_have_text("2")
    expect(menu.get_by_role("link", name="Assurance", exact=True)).to_have_accessible_description(
        "1 waiting for you"
    )
    _shoot(page, "lead-home")

    page.get_by_role("link", name="Requirements challenged by the LMNS").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requirements")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(challenged.requirement.code)
    # Away from home, the navigation keeps its badges.
    expect(incidents).to_have_accessible_description("2 waiting for you")

    context = browser.new_context(
        base_url=seeded_live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.route(EXTERNAL_URL, lambda route: route.abort())
    context.set_default_timeout(5000)
    officer = context.new_page()
    try:
        sign_in(officer, "demo.officer")
        expect(officer).to_have_url(HOME_URL)
        queue = _work(officer, "Requirements awaiting your verification, oldest first")
        expect(queue).to_contain_text("2")
        expect(officer.get_by_role("link", name="Learning awaiting your sign-off")).to_have_count(0)
        _shoot(officer, "officer-home")

        officer.get_by_role("link", name="Requirements awaiting your verification, oldest first").click()
        rows = officer.locator("tbody tr")
        expect(rows).to_have_count(2)
        # Oldest first, across providers: ZZB's waited three weeks, ZZA's one.
        expect(rows.nth(0)).to_contain_text(items["ZZB"].assessment.provider.name)
        expect(rows.nth(1)).to_contain_text(items["ZZA"].assessment.provider.name)
        _shoot(officer, "officer-queue")
    finally:
        context.close()
