"""Writes through the API refuse exactly what the pages refuse, with field messages, and
save nothing when they refuse."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assurance.models import RequirementAssessment, Status
from incidents.models import Incident, IncidentType, Learning, SafetyAction, Theme
from lmns.models import Role
from lmns.months import add_months
from tests.api.conftest import client_with_token
from tests.factories import make_unit, make_user
from tests.workforce.perinatal.factories import PERINATAL_FIGURES
from workforce.forms import RETURN_SECTIONS
from workforce.models import WorkforceReturn

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"


@pytest.fixture
def lead(world):
    return client_with_token(world.personas[f"provider:{Role.PROVIDER_LEAD}"])


def _incident(world, **changes):
    today = timezone.localdate()
    return {
        "provider": world.a1.ods_code,
        "local_reference": "DATIX-API-1",
        "occurred_on": (today - timedelta(days=3)).isoformat(),
        "reported_on": (today - timedelta(days=2)).isoformat(),
        "incident_type": IncidentType.objects.order_by("pk").first().pk,
        "physical_harm": "low",
        "psychological_harm": "none",
        "summary": "Delay in escalating an abnormal CTG.",
        "duty_of_candour": "not_applicable",
        **changes,
    }


def test_recording_an_incident_names_the_provider_by_ods_code(world, lead):
    response = lead.post(INCIDENTS, _incident(world), format="json")
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(local_reference="DATIX-API-1")
    assert incident.provider == world.a1
    assert incident.created_by == world.personas[f"provider:{Role.PROVIDER_LEAD}"]
    assert response.json()["provider"]["ods_code"] == "AA1"
    assert response.json()["status"] == "reported"


def test_the_provider_may_be_given_by_id(world, lead):
    assert lead.post(INCIDENTS, _incident(world, provider=world.a1.pk), format="json").status_code == 201


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"occurred_on": "2999-01-01"}, "occurred_on", "The date occurred cannot be in the future."),
        ({"incident_type": 999999}, "incident_type", "Select a valid choice"),
        ({"physical_harm": "catastrophic"}, "physical_harm", "Select a valid choice"),
        ({"occurred_on": 20260101}, "occurred_on", "Date occurred must be a real date"),
        ({"summary": {"nested": "object"}}, "summary", "Send text, a number, true or false"),
        ({"incident_type": [[1]]}, "incident_type", "Send text, a number, true or false"),
        (
            {"provider": "BB1"},
            "provider",
            "Give the ODS code or id of a provider you may record incidents for.",
        ),
        (
            {"provider": "ZZZ"},
            "provider",
            "Give the ODS code or id of a provider you may record incidents for.",
        ),
        ({"local_reference": "REF-AA1"}, "local_reference", "already has an incident with this reference"),
    ],
)
def test_bad_incidents_are_refused_with_field_messages_and_nothing_saved(
    world, lead, changes, field, message
):
    before = Incident.objects.count()
    response = lead.post(INCIDENTS, _incident(world, **changes), format="json")
    assert response.status_code == 400
    assert any(message in text for text in response.json()[field]), response.json()
    assert Incident.objects.count() == before


def test_another_providers_unit_is_refused(world, lead):
    unit_b = make_unit(world.b1, "Badger birth centre", "BB102")
    response = lead.post(INCIDENTS, _incident(world, unit=unit_b.pk), format="json")
    assert response.status_code == 400
    assert "unit" in response.json()
    assert "Badger" not in response.content.decode()
    assert not Incident.objects.filter(local_reference="DATIX-API-1").exists()


def test_a_body_that_is_not_an_object_is_refused(world, lead):
    response = lead.post(INCIDENTS, [1, 2], format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Send a JSON object."]}


def test_a_patch_changes_only_what_it_names(world, lead):
    incident = world.record("incident", world.a1)
    response = lead.patch(f"{INCIDENTS}{incident.pk}/", {"summary": "Revised."}, format="json")
    assert response.status_code == 200, response.content
    incident.refresh_from_db()
    assert incident.summary == "Revised." and incident.local_reference == "REF-AA1"


def test_a_put_needs_every_field(world, lead):
    incident = world.record("incident", world.a1)
    response = lead.put(f"{INCIDENTS}{incident.pk}/", {"summary": "Revised."}, format="json")
    assert response.status_code == 400
    assert "occurred_on" in response.json()
    incident.refresh_from_db()
    assert incident.summary != "Revised."


def test_a_closed_incident_is_refused_as_on_its_page(world, lead):
    incident = world.record("incident", world.a1)
    Incident.objects.filter(pk=incident.pk).update(status="closed")
    response = lead.patch(f"{INCIDENTS}{incident.pk}/", {"summary": "Revised."}, format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [
        "This incident is closed. Reopen it for review before changing it."
    ]


def test_status_cannot_be_set_through_an_edit(world, lead):
    incident = world.record("incident", world.a1)
    response = lead.patch(
        f"{INCIDENTS}{incident.pk}/", {"status": "closed", "summary": "Revised."}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"status": ["“status” is read-only: it cannot be set through the API."]}
    incident.refresh_from_db()
    assert (incident.status, incident.summary) != ("closed", "Revised.")


READ_ONLY = "is read-only: it cannot be set through the API."
NOT_A_FIELD = "is not a field that can be sent here."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("colour", "red", NOT_A_FIELD),
        ("provider", "AA2", READ_ONLY),
        ("created_at", "2026-01-01", READ_ONLY),
        ("incident_type_name", "Stillbirth", NOT_A_FIELD),
    ],
)
def test_an_edit_naming_a_field_it_cannot_set_is_refused_by_name(world, lead, field, value, message):
    incident = world.record("incident", world.a1)
    response = lead.put(f"{INCIDENTS}{incident.pk}/", {field: value}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [f"“{field}” {message}"]}


def test_a_new_record_naming_a_read_only_field_is_refused_and_nothing_saved(world, lead):
    response = lead.post(INCIDENTS, _incident(world, status="closed"), format="json")
    assert response.status_code == 400
    assert response.json() == {"status": ["“status” is read-only: it cannot be set through the API."]}
    assert not Incident.objects.filter(local_reference="DATIX-API-1").exists()


def test_duty_of_candour_may_be_left_out_as_the_schema_says_and_is_then_not_yet_known(world, lead):
    body = _incident(world)
    del body["duty_of_candour"]
    response = lead.post(INCIDENTS, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["duty_of_candour"] == "unknown"
    response = lead.patch(
        f"{INCIDENTS}{response.json()['id']}/", {"duty_of_candour": "applies"}, format="json"
    )
    assert response.json()["duty_of_candour"] == "applies"


def test_the_reference_lists_give_the_ids_an_incident_takes(world, lead):
    unit = make_unit(world.a1, "Aardvark Birth Centre")
    units = lead.get("/api/v1/units/").json()["results"]
    assert {u["name"] for u in units} == {
        "Aardvark Hospitals NHS Trust Maternity Unit",
        "Aardvark Birth Centre",
    }
    types = lead.get("/api/v1/incident-types/", {"page_size": 100}).json()["results"]
    stillbirth = next(t for t in types if t["name"] == "Stillbirth")
    assert stillbirth["is_death"] and stillbirth["group"] == "fetal"
    body = _incident(world, unit=unit.pk, incident_type=stillbirth["id"], physical_harm="fatal")
    response = lead.post(INCIDENTS, body, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["unit_name"], response.json()["incident_type_name"]) == (unit.name, "Stillbirth")
    themes = lead.get("/api/v1/themes/", {"page_size": 100}).json()["results"]
    assert themes and all(theme["lmns"] is None for theme in themes)


def test_learning_is_created_as_a_draft_and_needs_a_theme(world, lead):
    body = {
        "provider": "AA1",
        "title": "Fresh eyes",
        "what_happened": "A CTG was not escalated.",
        "what_we_learned": "Reviews were missed.",
        "what_we_changed": "Huddle prompts.",
        "incidents": [world.record("incident", world.a1).pk],
        "themes": [],
    }
    response = lead.post("/api/v1/learning/", body, format="json")
    assert response.status_code == 400 and "themes" in response.json()
    body["themes"] = [Theme.objects.order_by("pk").first().pk]
    response = lead.post("/api/v1/learning/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "draft"


def test_learning_cannot_link_another_providers_incident(world, lead):
    before = Learning.objects.count()
    body = {
        "provider": "AA1",
        "title": "Fresh eyes",
        "what_happened": "x",
        "what_we_learned": "x",
        "what_we_changed": "x",
        "incidents": [world.record("incident", world.b1).pk],
        "themes": [Theme.objects.order_by("pk").first().pk],
    }
    response = lead.post("/api/v1/learning/", body, format="json")
    assert response.status_code == 400 and "incidents" in response.json()
    assert Learning.objects.count() == before


def test_an_id_beyond_the_databases_range_is_an_invalid_choice_not_a_server_error(world, lead, client):
    """Found by schemathesis: the learning form looked such ids up and the database failed."""
    body = {"provider": "AA1", "title": "t", "incidents": [2**70], "themes": [2**70]}
    response = lead.post("/api/v1/learning/", body, format="json")
    assert response.status_code == 400
    assert "is not a valid value" in response.json()["incidents"][0]
    client.force_login(world.personas[f"provider:{Role.PROVIDER_LEAD}"])
    page = client.post(reverse("incidents:learning-create"), {**body, "provider": world.a1.pk})
    assert page.status_code == 200 and page.context["form"].errors["incidents"]


def test_a_completed_safety_action_needs_its_evidence(world, lead):
    owner = make_user("owner-a1", role=Role.PROVIDER_CONTRIBUTOR, provider=world.a1)
    body = {
        "provider": "AA1",
        "description": "Add prompts.",
        "owner": owner.pk,
        "due_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "status": "completed",
    }
    response = lead.post("/api/v1/safety-actions/", body, format="json")
    assert response.status_code == 400 and "completion_evidence" in response.json()
    body["completion_evidence"] = "Audit shows prompts in use."
    response = lead.post("/api/v1/safety-actions/", body, format="json")
    assert response.status_code == 201, response.content
    assert SafetyAction.objects.get(pk=response.json()["id"]).completed_on == timezone.localdate()


def test_an_owner_from_another_lmns_is_refused(world, lead):
    stranger = make_user("owner-b1", role=Role.PROVIDER_LEAD, provider=world.b1)
    body = {
        "provider": "AA1",
        "description": "Add prompts.",
        "owner": stranger.pk,
        "due_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
    }
    response = lead.post("/api/v1/safety-actions/", body, format="json")
    assert response.status_code == 400 and "owner" in response.json()


def test_an_assessment_answer_is_changed_and_withdrawn_from_verification(world, lead):
    item = world.record("item", world.a1)
    RequirementAssessment.objects.filter(pk=item.pk).update(verification="accepted")
    url = f"/api/v1/assessment-items/{item.pk}/"
    response = lead.patch(url, {"status": Status.NOT_MET}, format="json")
    assert response.status_code == 400 and "action_plan" in response.json()
    plan = {"action_plan": "Recruit.", "action_owner": "Head of Midwifery", "action_due_on": "2027-03-31"}
    response = lead.patch(url, {"status": Status.NOT_MET, **plan}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["verification"] == "not_submitted"


def test_a_workforce_return_is_submitted_once_a_month(world, lead):
    month = add_months(timezone.localdate().replace(day=1), -1)
    current = world.record("workforce_return", world.a1)
    body = {
        "provider": "AA1",
        "month": month.isoformat(),
        **{
            name: getattr(current, name)
            for _title, names in RETURN_SECTIONS
            for name in names
            if getattr(current, name) is not None
        },
        # Training by module and staff group, named as the page's form names them.
        **{
            f"training-{figure.module}-{figure.staff_group.code}-{part}": getattr(figure, part)
            for figure in current.training_figures.select_related("staff_group")
            for part in ("in_scope", "compliant")
        },
        "perinatal": [{"site": "AA101", **PERINATAL_FIGURES}],
    }
    response = lead.post("/api/v1/workforce-returns/", body, format="json")
    assert response.status_code == 201, response.content
    assert len(response.json()["training"]) == current.training_figures.count() == 10
    again = lead.post("/api/v1/workforce-returns/", body, format="json")
    assert again.status_code == 400
    assert WorkforceReturn.objects.filter(provider=world.a1, month=month).count() == 1
    future = lead.post("/api/v1/workforce-returns/", {**body, "month": "2999-01-01"}, format="json")
    assert future.status_code == 400 and "month" in future.json()


def test_a_contributor_may_not_submit_a_workforce_return(world):
    contributor = client_with_token(world.personas[f"provider:{Role.PROVIDER_CONTRIBUTOR}"])
    assert (
        contributor.post("/api/v1/workforce-returns/", {"provider": "AA1"}, format="json").status_code == 403
    )


def test_quality_figures_leave_out_speaking_up(world, lead):
    response = lead.get("/api/v1/quality/AA1/")
    assert response.status_code == 200
    names = [domain["title"] for domain in response.json()["domains"]]
    assert names and not any("Speaking up" in name for name in names)
    body = response.content.decode().lower()
    assert "speak" not in body and "ftsu" not in body
    assert lead.get("/api/v1/quality/AA1/", {"month": "2999-01"}).status_code == 400
    assert lead.get("/api/v1/quality/AA1/", {"month": "nonsense"}).status_code == 400


def test_freedom_to_speak_up_concerns_are_not_served(world):
    guardian = client_with_token(world.personas[f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"])
    for path in ["/api/v1/ftsu-concerns/", "/api/v1/concerns/", "/api/v1/speak-up/"]:
        assert guardian.get(path).status_code == 404
    secret = world.record("concern", world.a1).summary
    for name in ["incident", "learning", "safety-action", "workforce-return", "assessment-item"]:
        assert secret not in guardian.get(reverse(f"api:{name}-list")).content.decode()


def test_a_patch_keeps_learnings_themes_and_incidents(world, lead):
    learning = world.record("learning", world.a1)
    themes = set(learning.themes.values_list("pk", flat=True))
    incidents = set(learning.incidents.values_list("pk", flat=True))
    response = lead.patch(f"/api/v1/learning/{learning.pk}/", {"title": "Renamed"}, format="json")
    assert response.status_code == 200, response.content
    learning.refresh_from_db()
    assert learning.title == "Renamed"
    assert set(learning.themes.values_list("pk", flat=True)) == themes and themes
    assert set(learning.incidents.values_list("pk", flat=True)) == incidents and incidents
