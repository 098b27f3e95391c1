"""Every date typed into a product form (and so the API, which uses the same forms) lies between
1 January 2000 and five years from today, or is refused with a message naming the field while
everything else typed is shown again."""

import importlib
from datetime import date, timedelta

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from incidents.models import SsigMeeting
from lmns.dates import implausible, latest
from lmns.forms import PlausibleDatesMixin
from lmns.models import Role
from tests.api.conftest import client_with_token
from tests.factories import make_user
from tests.test_pid_guard import FORM_MODULES

TODAY = timezone.localdate()


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (date(2000, 1, 1), True),
        (date(1999, 12, 31), False),
        (date(1, 1, 1), False),
        (latest(TODAY), True),
        (latest(TODAY) + timedelta(days=1), False),
        (date(9999, 12, 31), False),
    ],
)
def test_the_plausible_range_runs_from_2000_to_five_years_ahead(value, ok):
    assert (implausible(value, today=TODAY) == "") is ok


def test_five_years_after_29_february_is_28_february():
    assert latest(date(2028, 2, 29)) == date(2033, 2, 28)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"submission_deadline": "0001-01-01"},
            "submission_deadline",
            "Submission deadline must be on or after 1 January 2000",
        ),
        (
            {"meeting_on": "9999-12-31"},
            "meeting_on",
            f"Meeting date must be no more than 5 years from today, on or before {latest(TODAY):%-d %B %Y}",
        ),
    ],
)
def test_an_implausible_ssig_date_is_refused_and_nothing_is_lost(client, world, changes, field, message):
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    data = {
        "lmns": world.lmns_a.pk,
        "meeting_on": (TODAY + timedelta(days=60)).isoformat(),
        "submission_deadline": (TODAY + timedelta(days=50)).isoformat(),
        **changes,
    }
    before = SsigMeeting.objects.count()
    response = client.post(reverse("incidents:meeting-create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert SsigMeeting.objects.count() == before
    body = response.content.decode()
    assert "There is a problem" in body and message in body
    # Every date typed is shown again, the refused one included, and the LMNS stays chosen.
    for name in ("meeting_on", "submission_deadline"):
        year, month, day = data[name].split("-")
        for part, typed in (("day", day.lstrip("0")), ("month", month.lstrip("0")), ("year", year)):
            assert f'name="{name}_{part}" type="text" value="{typed}" inputmode="numeric"' in body
    assert f'<option value="{world.lmns_a.pk}" selected>' in body


@pytest.mark.django_db
def test_the_api_refuses_an_implausible_due_date_naming_the_field(world):
    lead = client_with_token(world.personas[f"provider:{Role.PROVIDER_LEAD}"])
    owner = make_user("owner-a1", role=Role.PROVIDER_CONTRIBUTOR, provider=world.a1)
    body = {"provider": "AA1", "description": "Add prompts.", "owner": owner.pk, "due_on": "9999-12-31"}
    response = lead.post("/api/v1/safety-actions/", body, format="json")
    assert response.status_code == 400
    assert response.json()["due_on"][0].startswith("Due date must be no more than 5 years from today")


def test_every_product_form_with_a_date_checks_its_range():
    dated = []
    for module_name in FORM_MODULES:
        for value in vars(importlib.import_module(module_name)).values():
            own = isinstance(value, type) and value.__module__ == module_name
            if not (own and issubclass(value, forms.BaseForm)):
                continue
            if any(isinstance(field, forms.DateField) for field in value.base_fields.values()):
                assert issubclass(value, PlausibleDatesMixin), value
                dated.append(value.__name__)
    assert {"IncidentForm", "SsigMeetingForm", "SafetyActionForm", "VisitForm", "ConcernForm"} <= set(dated)
