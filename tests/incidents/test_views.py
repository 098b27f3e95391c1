"""Client-level tests of the incident pages: the happy paths, the refusals, and
query counts that stay fixed however many rows a list has."""

import html
import json
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import (
    MODERATE_OR_WORSE_PHYSICAL,
    MODERATE_OR_WORSE_PSYCHOLOGICAL,
    Incident,
    IncidentType,
    Learning,
    LearningStatus,
    SsigMeeting,
    SsigSubmission,
    Theme,
)
from lmns.models import Role
from tests.factories import make_action, make_incident, make_learning, make_meeting

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _incident_form(**overrides):
    data = {
        "provider": "",
        "local_reference": "DATIX-900",
        "occurred_on": (TODAY - timedelta(days=3)).isoformat(),
        "reported_on": (TODAY - timedelta(days=2)).isoformat(),
        "incident_type": IncidentType.objects.filter(is_death=False).first().pk,
        "physical_harm": "moderate",
        "psychological_harm": "low",
        "summary": "Delayed review of a deteriorating MEOWS score on the postnatal ward.",
        "duty_of_candour": "applies",
    }
    return {**data, **overrides}


def test_contributor_records_an_incident(client, world, bob):
    client.force_login(bob)
    response = client.post(reverse("incidents:incident-create"), _incident_form(provider=world.a1.pk))
    incident = Incident.objects.get(local_reference="DATIX-900")
    assert response.url == incident.get_absolute_url()
    assert (incident.provider, incident.created_by, incident.status) == (world.a1, bob, "reported")


def test_incident_types_are_offered_under_their_groups(client, world, bob):
    client.force_login(bob)
    page = client.get(reverse("incidents:incident-create")).content.decode()
    groups = re.findall(r'<optgroup label="([^"]+)">', page)
    assert groups == ["Maternal", "Fetal loss and stillbirth", "Neonatal", "Service and organisation"]
    stillbirth = IncidentType.objects.get(name__icontains="intrapartum stillbirth")
    fetal = page.split('<optgroup label="Fetal loss and stillbirth">')[1].split("</optgroup>")[0]
    assert f'value="{stillbirth.pk}"' in fetal
    assert "PSIRF" in page and "notifiable safety incident" in page


def test_moderate_harm_with_duty_of_candour_undecided_is_flagged_on_the_incident(client, world, bob):
    client.force_login(bob)
    client.post(
        reverse("incidents:incident-create"), _incident_form(provider=world.a1.pk, duty_of_candour="unknown")
    )
    incident = Incident.objects.get(local_reference="DATIX-900")
    assert "Duty of candour not yet decided" in client.get(incident.get_absolute_url()).content.decode()
    Incident.objects.filter(pk=incident.pk).update(duty_of_candour="applies")
    assert "Duty of candour not yet decided" not in client.get(incident.get_absolute_url()).content.decode()


def _candour_prompt(page: str) -> str:
    """The prompt's opening tag, which says whether it is hidden."""
    return re.search(r'<div[^>]*id="duty-of-candour-prompt"[^>]*>', page).group(0)


@pytest.mark.parametrize(
    ("physical", "psychological", "prompted"),
    [("moderate", "none", True), ("low", "severe", True), ("low", "low", False), ("none", "none", False)],
)
def test_moderate_harm_or_worse_prompts_for_the_duty_of_candour_on_the_form(
    client, world, bob, physical, psychological, prompted
):
    client.force_login(bob)
    harm = {"physical_harm": physical, "psychological_harm": psychological}
    # Sent back with an error (no summary): the prompt follows the harm chosen, without script.
    response = client.post(
        reverse("incidents:incident-create"),
        _incident_form(provider=world.a1.pk, summary="", **harm),
    )
    assert response.status_code == 200 and "Enter what happened" in response.content.decode()
    assert (" hidden" not in _candour_prompt(response.content.decode())) is prompted
    # Opened for a change: the prompt follows the harm recorded.
    incident = make_incident(world.a1, **harm)
    page = client.get(reverse("incidents:incident-edit", kwargs={"pk": incident.pk})).content.decode()
    prompt = _candour_prompt(page)
    assert (" hidden" not in prompt) is prompted
    # The page's script reads the grades that count from the one definition in incidents.models.
    grades = json.loads(html.unescape(re.search(r'data-grades="([^"]*)"', prompt).group(1)))
    assert grades == {
        "physical_harm": list(MODERATE_OR_WORSE_PHYSICAL),
        "psychological_harm": list(MODERATE_OR_WORSE_PSYCHOLOGICAL),
    }
    assert "js/candour-prompt.mjs" in page
    # A prompt, not a refusal: moderate harm with the duty undecided still saves.
    response = client.post(
        reverse("incidents:incident-create"),
        _incident_form(provider=world.a1.pk, local_reference="DATIX-901", duty_of_candour="unknown", **harm),
    )
    assert response.status_code == 302


def test_incident_form_shows_every_problem_and_saves_nothing(client, world, bob):
    client.force_login(bob)
    before = Incident.objects.count()
    response = client.post(
        reverse("incidents:incident-create"),
        _incident_form(
            provider=world.a1.pk,
            local_reference="REF-AA1",  # the world's incident already uses it
            occurred_on=(TODAY + timedelta(days=1)).isoformat(),
            mnsi_reference="MNSI-1",
            summary="",
        ),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Your provider already has an incident with this reference." in body
    assert "The date occurred cannot be in the future." in body
    assert "Enter what happened" in body
    assert Incident.objects.count() == before


def test_reported_before_occurred_and_referral_without_date_are_refused(client, world, bob):
    client.force_login(bob)
    response = client.post(
        reverse("incidents:incident-create"),
        _incident_form(
            provider=world.a1.pk,
            reported_on=(TODAY - timedelta(days=5)).isoformat(),
            mnsi_reference="MNSI-1",
        ),
    )
    body = response.content.decode()
    assert "The date reported cannot be before the date occurred." in body
    assert "Enter the date of the MNSI referral, or remove its reference." in body


def test_contributor_cannot_record_for_another_provider(client, world, bob):
    client.force_login(bob)
    response = client.post(reverse("incidents:incident-create"), _incident_form(provider=world.a2.pk))
    assert "Select a valid choice" in response.content.decode()
    assert not Incident.objects.filter(local_reference="DATIX-900").exists()


def test_lead_moves_an_incident_and_an_illegal_move_is_explained(client, world, alice):
    incident = world.record("incident", world.a1)
    client.force_login(alice)
    url = reverse("incidents:incident-transition", kwargs={"pk": incident.pk})
    response = client.post(url, {"to_status": "closed"})
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["An incident that is reported cannot move to closed."]
    client.post(url, {"to_status": "under_review"})
    incident.refresh_from_db()
    assert incident.status == "under_review"


def test_learning_workflow_from_draft_to_the_agenda(client, world, bob, alice):
    theme = Theme.objects.get(name="Fetal monitoring")
    incident = world.record("incident", world.a1)
    meeting = world.record("meeting", world.a1)
    client.force_login(bob)
    client.post(
        reverse("incidents:learning-create"),
        {
            "provider": world.a1.pk,
            "title": "Fresh eyes at every handover",
            "what_happened": "A CTG was misread at handover.",
            "what_we_learned": "Handover did not include a CTG review.",
            "what_we_changed": "CTG review added to the handover checklist.",
            "themes": [theme.pk],
            "incidents": [incident.pk],
        },
    )
    learning = Learning.objects.get(title="Fresh eyes at every handover")
    assert client.post(reverse("incidents:learning-sign-off", kwargs={"pk": learning.pk})).status_code == 403

    client.force_login(alice)
    client.post(reverse("incidents:learning-sign-off", kwargs={"pk": learning.pk}))
    client.post(reverse("incidents:learning-submit", kwargs={"pk": learning.pk}), {"meeting": meeting.pk})
    learning.refresh_from_db()
    assert learning.status == LearningStatus.SUBMITTED
    assert SsigSubmission.objects.get(learning=learning).meeting == meeting


def test_learning_started_from_an_incident_starts_from_its_account(client, world, bob):
    incident = world.record("incident", world.a1)
    client.force_login(bob)
    form = client.get(reverse("incidents:learning-create"), {"incident": incident.pk}).context["form"]
    assert form.initial["what_happened"] == incident.summary
    assert form.initial["incidents"] == [incident]
    # Another provider's incident lends nothing.
    other = world.record("incident", world.b1)
    form = client.get(reverse("incidents:learning-create"), {"incident": other.pk}).context["form"]
    assert "what_happened" not in form.initial


def test_the_only_open_meeting_is_chosen_for_the_lead(client, world, alice):
    learning = make_learning(world.a1, status=LearningStatus.SIGNED_OFF)
    SsigMeeting.objects.filter(lmns=world.lmns_a).delete()
    meeting = make_meeting(world.lmns_a, meeting_on=TODAY + timedelta(days=20), submission_deadline=TODAY)
    client.force_login(alice)
    url = reverse("incidents:learning-submit", kwargs={"pk": learning.pk})
    assert client.get(url).context["form"]["meeting"].value() == meeting.pk
    make_meeting(
        world.lmns_a, meeting_on=TODAY + timedelta(days=50), submission_deadline=TODAY + timedelta(days=40)
    )
    # With two, the lead chooses.
    assert client.get(url).context["form"]["meeting"].value() is None


def test_learning_cannot_link_another_providers_incident(client, world, bob):
    client.force_login(bob)
    other = world.record("incident", world.a2)
    response = client.post(
        reverse("incidents:learning-create"),
        {
            "provider": world.a1.pk,
            "title": "Borrowed incident",
            "what_happened": "x",
            "what_we_learned": "y",
            "what_we_changed": "z",
            "themes": [Theme.objects.first().pk],
            "incidents": [other.pk],
        },
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Learning.objects.filter(title="Borrowed incident").exists()


def test_submission_after_the_deadline_is_for_the_lmns_to_accept(client, world, alice):
    learning = make_learning(world.a1, status=LearningStatus.SIGNED_OFF)
    meeting = make_meeting(world.lmns_a, meeting_on=TODAY + timedelta(days=2), submission_deadline=TODAY)
    meeting.submission_deadline = TODAY - timedelta(days=1)
    meeting.save()
    client.force_login(alice)
    response = client.post(
        reverse("incidents:learning-submit", kwargs={"pk": learning.pk}), {"meeting": meeting.pk}
    )
    assert "Ask the LMNS to accept a late submission" in response.content.decode()

    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    client.post(
        reverse("incidents:meeting-accept-late", kwargs={"pk": meeting.pk}), {"learning": learning.pk}
    )
    assert SsigSubmission.objects.get(learning=learning).late_accepted_by is not None


def test_holding_the_meeting_shares_learning_with_the_other_providers(client, world, alice):
    learning = make_learning(world.a1, status=LearningStatus.SIGNED_OFF, title="Shared at the SSIG")
    meeting = make_meeting(world.lmns_a, meeting_on=TODAY, submission_deadline=TODAY)
    SsigSubmission.objects.create(meeting=meeting, learning=learning, submitted_by=alice)
    sibling = world.personas["lmns:lmns_officer"]
    client.force_login(sibling)
    client.post(reverse("incidents:meeting-hold", kwargs={"pk": meeting.pk}))

    a2_user = world.personas["provider:provider_contributor"]
    a2_user.memberships.update(provider=world.a2)
    client.force_login(a2_user)
    library = client.get(reverse("incidents:library"), {"q": "Shared at"}).content.decode()
    assert "Shared at the SSIG" in library
    assert client.get(learning.get_absolute_url()).status_code == 200
    incident = world.record("incident", world.a1)
    assert client.get(incident.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("name", "make_rows"),
    [
        ("incidents:incident-list", lambda world, n: [make_incident(world.a1) for _ in range(n)]),
        ("incidents:learning-list", lambda world, n: [make_learning(world.a1) for _ in range(n)]),
        (
            "incidents:library",
            lambda world, n: [make_learning(world.a2, status=LearningStatus.SHARED) for _ in range(n)],
        ),
        (
            "incidents:action-list",
            lambda world, n: [make_action(world.a1, owner=world.personas["nobody"]) for _ in range(n)],
        ),
        ("incidents:meeting-list", lambda world, n: None),
        ("incidents:event-list", lambda world, n: None),
        ("incidents:index", lambda world, n: [make_incident(world.a1) for _ in range(n)]),
    ],
)
def test_list_pages_keep_a_fixed_number_of_queries(
    client, world, name, make_rows, django_assert_max_num_queries
):
    client.force_login(world.personas["lmns:lmns_officer"])
    make_rows(world, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name)).status_code == 200
    make_rows(world, 20)
    with django_assert_max_num_queries(len(few)):
        client.get(reverse(name))


def test_the_reference_check_never_looks_at_a_provider_the_user_cannot_record_for(client, world, bob):
    client.force_login(bob)
    other_reference = world.record("incident", world.b1).local_reference
    body = client.post(
        reverse("incidents:incident-create"),
        _incident_form(provider=world.b1.pk, local_reference=other_reference),
    ).content.decode()
    assert "Select a valid choice" in body
    assert "already has an incident with this reference" not in body
    garbled = client.post(reverse("incidents:incident-create"), _incident_form(provider="abc"))
    assert garbled.status_code == 200


def test_odd_query_parameters_are_refused_not_a_server_error(client, world, bob):
    client.force_login(bob)
    assert client.get(reverse("incidents:learning-create"), {"incident": "²"}).status_code == 400
    assert (
        client.get(reverse("incidents:action-create"), {"incident": "²", "learning": "x"}).status_code == 400
    )


def test_an_action_owner_must_belong_to_the_provider_or_its_lmns(world, alice):
    from django.core.exceptions import ValidationError

    from incidents import services

    outsider = world.personas["nobody"]
    with pytest.raises(ValidationError, match="Choose someone from this provider or its LMNS"):
        services.safety_action_create(
            provider=world.a1, by=alice, owner=outsider, description="x", due_on=TODAY + timedelta(days=5)
        )
    action = services.safety_action_create(
        provider=world.a1, by=alice, owner=alice, description="x", due_on=TODAY + timedelta(days=5)
    )
    assert action.pk


def test_a_lead_withdraws_a_submission_until_the_deadline(client, world, alice):
    learning = make_learning(world.a1, status=LearningStatus.SIGNED_OFF)
    meeting = make_meeting(world.lmns_a, meeting_on=TODAY + timedelta(days=20), submission_deadline=TODAY)
    client.force_login(alice)
    client.post(reverse("incidents:learning-submit", kwargs={"pk": learning.pk}), {"meeting": meeting.pk})
    page = client.get(learning.get_absolute_url()).content.decode()
    assert "Withdraw from the SSIG meeting" in page
    response = client.post(reverse("incidents:learning-withdraw", kwargs={"pk": learning.pk}), follow=True)
    assert "Submission withdrawn" in response.content.decode()
    learning.refresh_from_db()
    assert learning.status == LearningStatus.SIGNED_OFF
    assert not SsigSubmission.objects.filter(learning=learning).exists()
    # Who sent it, and that it was withdrawn, stay in the submission's history.
    assert [row.history_type for row in SsigSubmission.history.filter(learning_id=learning.pk)] == ["-", "+"]


def test_after_the_deadline_withdrawing_is_for_the_lmns(client, world, alice):
    learning = make_learning(world.a1, status=LearningStatus.SIGNED_OFF)
    meeting = make_meeting(world.lmns_a, meeting_on=TODAY + timedelta(days=20), submission_deadline=TODAY)
    client.force_login(alice)
    client.post(reverse("incidents:learning-submit", kwargs={"pk": learning.pk}), {"meeting": meeting.pk})
    SsigMeeting.objects.filter(pk=meeting.pk).update(submission_deadline=TODAY - timedelta(days=1))
    assert "Withdraw from the SSIG meeting" not in client.get(learning.get_absolute_url()).content.decode()
    response = client.post(reverse("incidents:learning-withdraw", kwargs={"pk": learning.pk}), follow=True)
    assert "ask the LMNS to take the learning off its agenda" in response.content.decode()
    learning.refresh_from_db()
    assert learning.status == LearningStatus.SUBMITTED


def test_only_submitted_learning_is_withdrawn(client, world, alice, bob):
    learning = make_learning(world.a1, status=LearningStatus.SIGNED_OFF)
    client.force_login(alice)
    response = client.post(reverse("incidents:learning-withdraw", kwargs={"pk": learning.pk}), follow=True)
    assert "Only submitted learning can be withdrawn." in response.content.decode()
    client.force_login(bob)  # a contributor does not review
    assert client.post(reverse("incidents:learning-withdraw", kwargs={"pk": learning.pk})).status_code == 403
