"""Every value a page reads from its query string answers 400 on junk, never 500; filter
forms show their errors. Python's own parsers accept more than a page can use (a year 9999
has no next month, twenty digits overflow a database integer), hence lmns.query."""

from datetime import date

import pytest
from django.urls import reverse

from lmns import query
from lmns.models import Role
from tests.api.conftest import client_with_token

pytestmark = pytest.mark.django_db

JUNK = [
    "99999999999999999999-01",
    "99999999999999999999",
    "0000-01",
    "0000-01-01",
    "0001-01-01",
    "1999-12",
    "9999-12",
    "9999-12-01",
    "9999-12-31",
    "10000-01-01",
    "-1",
    "-2026-01",
    "2026-13",
    "2026-02-30",
    "not-a-date",
    "1e400",
    "NaN",
    "\u0662\u0660\u0662\u0666-\u0660\u0661",  # Arabic-Indic digits: isdigit(), not ASCII
    "\uff12\uff10\uff12\uff16-\uff10\uff11-\uff10\uff11",  # full-width digits
    "2026-01\x00",
    "💥",
]

SUPERUSER = "superuser"
FTSU_LEAD = f"lmns:{Role.LMNS_FTSU_LEAD}"


def _refused(client, url, params):
    for value in JUNK:
        response = client.get(url, {name: value for name in params})
        assert response.status_code == 400, (url, params, value, response.status_code)
        if response["Content-Type"].startswith("text/html"):
            assert b"There is a problem" in response.content


@pytest.mark.parametrize(
    ("persona", "name", "kwargs", "params"),
    [
        (SUPERUSER, "lmns:quality", {}, ["month"]),
        (SUPERUSER, "lmns:quality", {}, ["quarter"]),
        (SUPERUSER, "lmns:quality-provider", {"ods_code": "AA1"}, ["month"]),
        (SUPERUSER, "lmns:board-pack", {"ods_code": "AA1"}, ["month"]),
        (SUPERUSER, "lmns:board-pack-workbook", {"ods_code": "AA1"}, ["month"]),
        (SUPERUSER, "incidents:theme-analysis", {}, ["start"]),
        (SUPERUSER, "incidents:theme-analysis", {}, ["end"]),
        (SUPERUSER, "incidents:theme-analysis", {}, ["start", "end"]),
        (f"provider:{Role.PROVIDER_LEAD}", "incidents:action-create", {}, ["incident"]),
        (f"provider:{Role.PROVIDER_LEAD}", "incidents:action-create", {}, ["learning"]),
        (f"provider:{Role.PROVIDER_LEAD}", "incidents:learning-create", {}, ["incident"]),
        (f"provider:{Role.PROVIDER_LEAD}", "incidents:improvement-create", {}, ["theme"]),
        (FTSU_LEAD, "workforce:ftsu-return", {}, ["quarter"]),
        (FTSU_LEAD, "workforce:ftsu-return-xlsx", {}, ["quarter"]),
    ],
)
def test_junk_in_a_parsed_value_is_a_bad_request(client, world, persona, name, kwargs, params):
    client.force_login(world.personas[persona])
    _refused(client, reverse(name, kwargs=kwargs), params)


def test_junk_in_the_finding_a_recommendation_starts_from_is_a_bad_request(client, world):
    client.force_login(world.personas[SUPERUSER])
    visit = world.record("visit", world.a1)
    _refused(client, reverse("assurance:recommendation-create", kwargs={"pk": visit.pk}), ["finding"])


def test_junk_month_on_the_api_quality_view_is_a_field_error(world):
    api = client_with_token(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    for value in JUNK:
        response = api.get("/api/v1/quality/AA1/", {"month": value})
        assert response.status_code == 400, value
        assert "month" in response.json()


@pytest.mark.parametrize(
    ("name", "params"),
    [
        (
            "incidents:incident-list",
            ["occurred_from", "occurred_to", "incident_type", "theme", "page", "order"],
        ),
        (
            "incidents:learning-list",
            ["q", "created_from", "created_to", "theme", "provider", "page", "order"],
        ),
        ("incidents:library", ["theme", "provider", "page", "order"]),
        ("incidents:action-list", ["due_from", "due_to", "provider", "page", "order"]),
        ("incidents:meeting-list", ["meeting_from", "meeting_to", "lmns", "page"]),
        ("incidents:event-list", ["held_from", "held_to", "theme", "page"]),
        ("assurance:item-list", ["provider", "framework", "page", "order"]),
        ("assurance:visit-list", ["when", "provider", "page"]),
        ("assurance:recommendation-list", ["provider", "page"]),
        ("incidents:improvement-index", ["page"]),
    ],
)
def test_junk_in_a_list_filter_shows_the_list_not_a_server_error(client, world, name, params):
    client.force_login(world.personas[SUPERUSER])
    for value in JUNK:
        response = client.get(reverse(name), {param: value for param in params})
        assert response.status_code in {200, 400}, (name, value, response.status_code)


def test_junk_in_the_api_filters_and_pages_is_a_bad_request_or_ignored(world):
    api = client_with_token(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    for path in ("/api/v1/incidents/", "/api/v1/learning/"):
        for value in JUNK:
            response = api.get(path, {"page": value, "theme": value, "provider": value})
            assert response.status_code in {200, 400, 404}, (path, value, response.status_code)


def test_the_history_page_number_may_be_junk(client, world):
    client.force_login(world.personas[SUPERUSER])
    url = reverse("incidents:incident-history", kwargs={"pk": world.record("incident", world.a1).pk})
    for value in JUNK:
        assert client.get(url, {"page": value}).status_code == 200, value


def test_the_plausible_range_is_2000_to_five_years_ahead():
    today = date(2026, 12, 7)
    assert query.plausible(date(2000, 1, 1), today)
    assert query.plausible(date(2031, 12, 31), today)
    assert not query.plausible(date(1999, 12, 31), today)
    assert not query.plausible(date(2032, 1, 1), today)
