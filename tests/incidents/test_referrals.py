"""Referral bodies as reference data, and an incident's referrals on its pages, its list, the
admin and the API (issue 20)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, IncidentReferral, ReferralBody
from lmns.models import Role
from tests.api.conftest import client_with_token
from tests.factories import make_incident
from tests.incidents.test_views import _incident_form

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SAFETY_LEAD = f"lmns:{Role.LMNS_SAFETY_LEAD}"


def days(n):
    return (TODAY + timedelta(days=n)).isoformat()


def held(incident):
    return {
        r.body.code: (r.referred_on.isoformat(), r.reference)
        for r in incident.referrals.select_related("body")
    }


# --- The incident form -------------------------------------------------------------------------


def test_the_form_offers_a_date_and_reference_per_active_body_with_mnsi_in_its_own_questions(
    client, world, bob
):
    ReferralBody.objects.filter(code="mbrrace").update(is_active=False)
    ReferralBody.objects.create(code="b_panel", label="B's panel", lmns=world.lmns_b)
    client.force_login(bob)
    body = client.get(reverse("incidents:incident-create")).content.decode()
    assert 'name="pmrt_referred_on_day"' in body and 'name="pmrt_reference"' in body
    assert "Referred to PMRT on" in body and "Referred to Coroner on" in body
    # A retired body is not offered for a new incident; another LMNS's body never is.
    assert "mbrrace_referred_on" not in body and "b_panel" not in body
    # MNSI's referral is asked once, among its own questions.
    assert body.count('name="mnsi_referred_on_day"') == 1


def test_recording_an_incident_records_its_referrals(client, world, bob):
    client.force_login(bob)
    form = _incident_form(
        provider=world.a1.pk,
        pmrt_referred_on=days(-1),
        pmrt_reference="PMRT-1",
        coroner_referred_on=days(-2),
        mnsi_referred_on=days(-1),
    )
    response = client.post(reverse("incidents:incident-create"), form)
    incident = Incident.objects.get(local_reference="DATIX-900")
    assert response.url == incident.get_absolute_url()
    assert held(incident) == {"pmrt": (days(-1), "PMRT-1"), "coroner": (days(-2), "")}
    assert incident.mnsi_referred_on.isoformat() == days(-1)
    assert not incident.referrals.filter(body__code="mnsi").exists()
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "PMRT: " in page and "(ref. PMRT-1)" in page and "Coroner: " in page and "MNSI: " in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"pmrt_reference": "PMRT-1"}, "Enter the date of the PMRT referral, or remove its reference."),
        ({"pmrt_referred_on": days(1)}, "The PMRT referral date cannot be in the future."),
        ({"coroner_referred_on": days(-4)}, "The Coroner referral cannot be before the incident occurred."),
        ({"coroner_referred_on": "1999-01-01"}, "Referred to Coroner on"),
        ({"pmrt_referred_on": "2026-02-31"}, "Referred to PMRT on must be a real date"),
    ],
)
def test_a_bad_referral_is_explained_beside_it_and_nothing_is_lost(client, world, bob, fields, message):
    client.force_login(bob)
    form = _incident_form(provider=world.a1.pk, summary="Kept as typed.", **fields)
    response = client.post(reverse("incidents:incident-create"), form)
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body
    assert message in body
    assert "Kept as typed." in body
    for name, value in fields.items():
        if name.endswith("_on"):  # a date is shown again in its day, month and year boxes
            year, month, day = value.split("-")
            assert f'name="{name}_day" type="text" value="{day.lstrip("0")}" inputmode="numeric"' in body
            assert f'name="{name}_month" type="text" value="{month.lstrip("0")}" inputmode="numeric"' in body
            assert f'name="{name}_year" type="text" value="{year}" inputmode="numeric"' in body
        else:
            assert value in body
    assert not Incident.objects.filter(local_reference="DATIX-900").exists()


def test_a_reference_is_guarded_against_patient_data(client, world, bob):
    client.force_login(bob)
    form = _incident_form(provider=world.a1.pk, pmrt_referred_on=days(-1), pmrt_reference="943 476 5919")
    body = client.post(reverse("incidents:incident-create"), form).content.decode()
    assert "PMRT reference" in body and "NHS number" in body
    assert not Incident.objects.filter(local_reference="DATIX-900").exists()


def test_editing_changes_removes_and_keeps_a_retired_bodys_referral(client, world, alice):
    incident = make_incident(
        world.a1, pmrt_referred_on=TODAY, mbrrace_referred_on=TODAY, mbrrace_reference="M-1"
    )
    ReferralBody.objects.filter(code="mbrrace").update(is_active=False)
    client.force_login(alice)
    url = reverse("incidents:incident-edit", kwargs={"pk": incident.pk})
    page = client.get(url).content.decode()
    # Retired since, but this incident was notified to it: shown, so an edit neither drops nor hides it.
    assert 'name="mbrrace_referred_on_day"' in page and 'value="M-1"' in page
    form = _incident_form(
        local_reference=incident.local_reference,
        occurred_on=incident.occurred_on.isoformat(),
        reported_on=incident.reported_on.isoformat(),
        incident_type=incident.incident_type_id,
        mbrrace_referred_on=TODAY.isoformat(),
        mbrrace_reference="M-1",
        coroner_referred_on=days(-1),
    )
    form.pop("provider")
    assert client.post(url, form).status_code == 302
    assert held(incident) == {"mbrrace": (TODAY.isoformat(), "M-1"), "coroner": (days(-1), "")}
    # Every change is in the referrals' history, by whom.
    changes = IncidentReferral.history.filter(incident_id=incident.pk)
    assert {(c.body.code, c.history_type) for c in changes if c.history_user == alice} == {
        ("pmrt", "-"),
        ("coroner", "+"),
    }


# --- The list ----------------------------------------------------------------------------------


def test_the_list_filtered_by_referral_keeps_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    url = reverse("incidents:incident-list")
    for _ in range(2):
        make_incident(world.a1, pmrt_referred_on=TODAY, coroner_referred_on=TODAY)
    for referral in ("any", "pmrt", "mnsi"):
        with CaptureQueriesContext(connection) as few:
            response = client.get(url, {"referral": referral})
        assert response.status_code == 200
        for _ in range(10):
            make_incident(world.a1, pmrt_referred_on=TODAY, mnsi_referred_on=TODAY, coroner_referred_on=TODAY)
        with django_assert_max_num_queries(len(few)):
            response = client.get(url, {"referral": referral})
        assert response.status_code == 200
    body = response.content.decode()
    assert '<option value="pmrt">PMRT</option>' in body


# --- The admin ---------------------------------------------------------------------------------


def test_a_safety_lead_reads_the_shared_bodies_and_adds_one_for_their_lmns(client, world):
    client.force_login(world.personas[SAFETY_LEAD])
    pmrt = ReferralBody.objects.get(code="pmrt")
    assert client.get(reverse("admin:incidents_referralbody_changelist")).status_code == 200
    change = reverse("admin:incidents_referralbody_change", args=[pmrt.pk])
    assert client.post(change, {"code": "pmrt", "label": "Changed", "order": 1}).status_code == 403
    response = client.post(
        reverse("admin:incidents_referralbody_add"),
        {
            "code": "panel",
            "label": "Regional review panel",
            "order": 50,
            "is_active": "on",
            "lmns": world.lmns_a.pk,
        },
    )
    assert response.status_code == 302
    assert ReferralBody.objects.get(code="panel").lmns == world.lmns_a
    delete = reverse("admin:incidents_referralbody_delete", args=[pmrt.pk])
    assert client.get(delete).status_code == 403


def test_the_superuser_retires_a_body_its_code_fixed_and_the_change_in_its_history(client, world):
    client.force_login(world.personas["superuser"])
    coroner = ReferralBody.objects.get(code="coroner")
    url = reverse("admin:incidents_referralbody_change", args=[coroner.pk])
    form = {
        "code": "renamed",
        "label": "Coroner",
        "description": coroner.description,
        "source": coroner.source,
        "order": coroner.order,
    }
    assert client.post(url, form).status_code == 302
    coroner.refresh_from_db()
    assert (coroner.code, coroner.is_active) == ("coroner", False)
    latest = coroner.history.latest()
    assert (latest.history_type, latest.history_user, latest.is_active) == (
        "~",
        world.personas["superuser"],
        False,
    )
    # MNSI's row stays active: its referral is part of the incident's MNSI questions.
    mnsi = ReferralBody.objects.get(code="mnsi")
    form = {"label": "MNSI", "description": "", "source": mnsi.source, "order": mnsi.order}
    response = client.post(reverse("admin:incidents_referralbody_change", args=[mnsi.pk]), form)
    assert response.status_code == 200 and "keep it" in response.content.decode()


# --- The API -----------------------------------------------------------------------------------


def test_the_api_lists_referrals_and_a_patch_keeps_or_changes_them(world):
    lead = client_with_token(world.personas[f"provider:{Role.PROVIDER_LEAD}"])
    incident = make_incident(
        world.a1, coroner_referred_on=TODAY, pmrt_referred_on=TODAY, pmrt_reference="P-1"
    )
    url = f"/api/v1/incidents/{incident.pk}/"
    listed = lead.get(url).json()["referrals"]
    assert listed == [
        {"body": "pmrt", "body_name": "PMRT", "referred_on": TODAY.isoformat(), "reference": "P-1"},
        {"body": "coroner", "body_name": "Coroner", "referred_on": TODAY.isoformat(), "reference": ""},
    ]
    # A PATCH that leaves the referrals out keeps them.
    response = lead.patch(url, {"summary": "Changed by the API."}, format="json")
    assert response.status_code == 200, response.json()
    assert len(response.json()["referrals"]) == 2
    response = lead.patch(url, {"coroner_referred_on": None, "pmrt_reference": "P-2"}, format="json")
    assert response.status_code == 200, response.json()
    assert held(incident) == {"pmrt": (TODAY.isoformat(), "P-2")}
    response = lead.patch(url, {"pmrt_referred_on": days(1)}, format="json")
    assert response.status_code == 400
    assert response.json() == {"pmrt_referred_on": ["The PMRT referral date cannot be in the future."]}


# --- The referrals' History page ------------------------------------------------------------


def _squash(response) -> str:
    return " ".join(response.content.decode().split())


def test_the_referral_history_page_shows_who_changed_which_referral_when(client, world, alice):
    from incidents import services

    incident = make_incident(world.a1, occurred_on=TODAY - timedelta(days=10))
    pmrt, coroner = ReferralBody.objects.get(code="pmrt"), ReferralBody.objects.get(code="coroner")
    client.force_login(alice)
    detail = client.get(incident.get_absolute_url()).content.decode()
    url = reverse("incidents:incident-referral-history", kwargs={"pk": incident.pk})
    assert url in detail
    first = TODAY - timedelta(days=3)
    services.incident_referrals_set(incident=incident, referrals={pmrt: (first, "P-1"), coroner: (first, "")})
    services.incident_referrals_set(incident=incident, referrals={pmrt: (first, "P-2"), coroner: (None, "")})
    body = _squash(client.get(url))
    assert body.count("Created by") == 2 and body.count("Changed by") == 1 and body.count("Deleted by") == 1
    assert '<td class="nhsuk-table__cell">P-1</td> <td class="nhsuk-table__cell">P-2</td>' in body
    assert f"{first.day} {first:%B %Y}" in body
    # Never another incident's referrals.
    make_incident(world.a1, pmrt_referred_on=TODAY, pmrt_reference="NOT-MINE")
    assert "NOT-MINE" not in _squash(client.get(url))


def test_the_referral_history_page_keeps_a_fixed_number_of_queries(
    client, world, alice, django_assert_max_num_queries
):
    incident = make_incident(world.a1, pmrt_referred_on=TODAY)
    client.force_login(alice)
    url = reverse("incidents:incident-referral-history", kwargs={"pk": incident.pk})
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for code in ("coroner", "mbrrace"):
        IncidentReferral.objects.create(
            incident=incident, body=ReferralBody.objects.get(code=code), referred_on=TODAY
        )
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200
