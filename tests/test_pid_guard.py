"""Free text is guarded against patient-identifiable data on every product form and through
the API (hazard H9): an NHS number is refused, other personal details are warned about until
the person edits them out or confirms, and nothing typed is lost on the way."""

import importlib
from datetime import timedelta

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from assurance.models import PID_WARNING as ASSURANCE_PID_WARNING
from incidents.models import PID_WARNING as INCIDENTS_PID_WARNING
from incidents.models import Incident, IncidentType
from lmns.forms import PidGuardMixin
from lmns.models import Role
from lmns.pid import CHECKED as PID_CHECKED
from lmns.pid import CHECKED_LABEL as PID_CHECKED_LABEL
from tests.api.conftest import client_with_token
from workforce.forms import ConcernForm, SpeakUpForm

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NHS_NUMBER = "943 476 5919"  # NHS Digital's published test number
FORM_MODULES = [
    "incidents.forms",
    "incidents.improvement.forms",
    "incidents.imports.forms",
    "assurance.forms",
    "assurance.visits.forms",
    "workforce.forms",
    "lmns.forms",
    "quality.api.forms",
]


def _incident_form(world, **overrides):
    return {
        "provider": world.a1.pk,
        "local_reference": "DATIX-12345",
        "occurred_on": (TODAY - timedelta(days=3)).isoformat(),
        "reported_on": (TODAY - timedelta(days=2)).isoformat(),
        "incident_type": IncidentType.objects.filter(is_death=False).first().pk,
        "physical_harm": "moderate",
        "psychological_harm": "low",
        "summary": "CTG at 14:30 showed late decelerations at 39+2; 3rd degree tear on ward 3.",
        "duty_of_candour": "applies",
        **overrides,
    }


def test_an_nhs_number_is_refused_naming_the_field_and_nothing_is_lost(client, world, bob):
    client.force_login(bob)
    summary = f"The NHS number {NHS_NUMBER} was written on the CTG."
    response = client.post(reverse("incidents:incident-create"), _incident_form(world, summary=summary))
    assert response.status_code == 200
    assert not Incident.objects.filter(local_reference="DATIX-12345").exists()
    errors = response.context["form"].errors
    assert errors["summary"] == [
        f"“What happened” has what looks like an NHS number (“{NHS_NUMBER}”). Remove it: "
        "nothing that could identify a patient may be recorded here"
    ]
    body = response.content.decode()
    assert "There is a problem" in body and summary in body and "DATIX-12345" in body
    # No box can wave an NHS number through.
    ticked = client.post(
        reverse("incidents:incident-create"), _incident_form(world, summary=summary, **{PID_CHECKED: "on"})
    )
    assert "summary" in ticked.context["form"].errors
    assert not Incident.objects.filter(local_reference="DATIX-12345").exists()


def test_ten_digits_failing_the_check_are_saved(client, world, bob):
    client.force_login(bob)
    client.post(
        reverse("incidents:incident-create"), _incident_form(world, summary="Lot 9434765918 of oxytocin.")
    )
    assert Incident.objects.filter(local_reference="DATIX-12345").exists()


def test_a_postcode_is_warned_about_and_saved_once_confirmed(client, world, bob):
    client.force_login(bob)
    data = _incident_form(world, immediate_actions="Family moved to LS1 4AP; call 0113 496 0000.")
    response = client.post(reverse("incidents:incident-create"), data)
    assert not Incident.objects.filter(local_reference="DATIX-12345").exists()
    form = response.context["form"]
    assert form.errors["immediate_actions"] == [
        "“Immediate actions” has what looks like a postcode (“LS1 4AP”) and a phone number "
        f"(“0113 496 0000”). Remove it, or if it is not patient-identifiable, tick “{PID_CHECKED_LABEL}”"
    ]
    body = response.content.decode()
    assert "Check for patient-identifiable information" in body and f'name="{PID_CHECKED}"' in body
    assert "Family moved to LS1 4AP" in body  # nothing is lost
    confirmed = client.post(reverse("incidents:incident-create"), {**data, PID_CHECKED: "on"})
    incident = Incident.objects.get(local_reference="DATIX-12345")
    assert confirmed.url == incident.get_absolute_url()
    assert incident.immediate_actions == data["immediate_actions"]


def test_what_staff_write_every_day_saves_without_a_question(client, world, bob):
    client.force_login(bob)
    response = client.post(reverse("incidents:incident-create"), _incident_form(world))
    assert response.status_code == 302
    assert PID_CHECKED not in response.wsgi_request.POST


def test_a_warning_about_text_already_saved_is_not_raised_again(client, world, bob):
    client.force_login(bob)
    data = _incident_form(world, immediate_actions="Switchboard 0113 496 0000 contacted.")
    client.post(reverse("incidents:incident-create"), {**data, PID_CHECKED: "on"})
    incident = Incident.objects.get(local_reference="DATIX-12345")
    edited = client.post(
        reverse("incidents:incident-edit", kwargs={"pk": incident.pk}),
        {**data, "physical_harm": "low", "provider": ""},
    )
    assert edited.status_code == 302, edited.context["form"].errors
    incident.refresh_from_db()
    assert incident.physical_harm == "low"


def test_the_freedom_to_speak_up_contact_is_not_guarded_but_the_concern_is():
    form = SpeakUpForm(
        {
            "contact": "Sam, 07700 900123, sam@example.com, LS1 4AP",
            "summary": f"A patient's NHS number {NHS_NUMBER} was left on the board.",
        }
    )
    form.is_valid()
    assert "contact" not in form.errors
    assert "NHS number" in form.errors["summary"][0]
    assert "contact" in ConcernForm.pid_exempt


def _product_form_classes():
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            own = isinstance(value, type) and value.__module__ == module_name
            if own and issubclass(value, PidGuardMixin) and issubclass(value, forms.BaseForm):
                yield value


def test_every_field_the_pid_warning_covers_is_guarded():
    """The rule the mixin applies (every text box but the exempt) covers each field whose help
    text is the PID warning, and every text area, on every form of the product."""
    warnings = {INCIDENTS_PID_WARNING, ASSURANCE_PID_WARNING}
    covered = []
    for form_class in _product_form_classes():
        for name, field in form_class.base_fields.items():
            says_so = any(warning in str(field.help_text) for warning in warnings)
            if says_so or isinstance(field.widget, forms.Textarea):
                guarded = isinstance(field, forms.CharField) and name not in form_class.pid_exempt
                assert guarded or name in {"contact", "emails"}, (form_class, name)
                covered.append(name)
    for name in ("summary", "what_happened", "description", "text", "commentary", "escalations"):
        assert name in covered


# --- The API ---------------------------------------------------------------------------------


@pytest.fixture
def lead(world):
    return client_with_token(world.personas[f"provider:{Role.PROVIDER_LEAD}"])


def _api_incident(world, **changes):
    return {**_incident_form(world, provider=world.a1.ods_code), **changes}


def test_the_api_refuses_an_nhs_number_with_a_400_naming_the_field(world, lead):
    body = _api_incident(world, summary=f"NHS no. {NHS_NUMBER}", pid_checked=True)
    response = lead.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 400
    assert "NHS number" in response.json()["summary"][0]
    assert not Incident.objects.filter(local_reference="DATIX-12345").exists()


def test_the_api_needs_pid_checked_to_save_text_that_looks_personal(world, lead):
    body = _api_incident(world, summary="Partner's email jo@example.com was given to the ward.")
    response = lead.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 400
    assert response.json()["summary"] == [
        "“What happened” has what looks like an email address (“jo@example.com”). Remove it, or if "
        'it is not patient-identifiable, send "pid_checked": true with the request'
    ]
    assert not Incident.objects.filter(local_reference="DATIX-12345").exists()
    confirmed = lead.post("/api/v1/incidents/", {**body, "pid_checked": True}, format="json")
    assert confirmed.status_code == 201, confirmed.content
    assert "pid_checked" not in confirmed.json()
