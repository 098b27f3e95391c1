"""Dates that must follow one another: nothing is recorded on a visit before its day (so no
immediate-safety-concern email goes out for a visit still to come), a recommendation is not
due before its visit, and an SSIG meeting is neither held before its date nor takes late
submissions before its deadline. Each is refused, and the page hides it with the reason."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assurance.visits import services
from assurance.visits.models import Finding, FindingKind, VisitStatus
from incidents.models import SsigSubmission
from lmns.models import Role
from tests.factories import make_finding, make_meeting, make_user, make_visit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


@pytest.fixture
def planned(world, officer):
    return make_visit(world.a1, created_by=officer, visit_on=TODAY + timedelta(days=7))


def test_no_finding_nor_email_for_a_visit_still_to_come(
    world, planned, officer, django_capture_on_commit_callbacks
):
    make_user("safety", role=Role.LMNS_SAFETY_LEAD, lmns=world.lmns_a, email="safety@example.invalid")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        services.finding_record(
            visit=planned, by=officer, domain="safe", kind=FindingKind.IMMEDIATE, description="No CTG paper."
        )
    assert "record what it finds from that day" in str(error.value)
    assert not Finding.objects.filter(visit=planned).exists()
    assert mail.outbox == []
    with pytest.raises(ValidationError):
        services.staff_feedback_record(
            visit=planned, by=officer, staff_group="midwife", domain="safe", feedback="Busy nights."
        )


def test_findings_are_recorded_from_the_day_of_the_visit(world, officer):
    today = make_visit(world.a1, created_by=officer, visit_on=TODAY)
    assert services.finding_record(visit=today, by=officer, domain="safe", kind="concern", description="Gap.")


def test_a_visit_with_findings_cannot_move_into_the_future(world, officer):
    visit = make_visit(world.a1, created_by=officer, visit_on=TODAY)
    make_finding(visit)
    with pytest.raises(ValidationError) as error:
        services.visit_update(visit=visit, by=officer, visit_on=TODAY + timedelta(days=3))
    assert error.value.message_dict == {
        "visit_on": ["Findings are recorded for this visit, so its date cannot be in the future."]
    }


def test_the_visit_page_hides_recording_until_the_day_and_says_why(client, world, planned, officer):
    client.force_login(officer)
    page = client.get(planned.get_absolute_url()).content.decode()
    assert "Record a finding" not in page
    assert (
        f"Findings and staff feedback are recorded from the day of the visit, {planned.visit_on:%-d %B %Y}"
        in page
    )
    assert "Change the visit" in page
    response = client.post(
        reverse("assurance:finding-create", kwargs={"pk": planned.pk}),
        {"domain": "safe", "kind": "concern", "description": "Gap.", "unit": ""},
    )
    assert response.status_code == 200
    assert "record what it finds from that day" in response.content.decode()


def test_a_recommendation_is_not_due_before_its_visit(world, officer):
    visit = make_visit(
        world.a1, created_by=officer, visit_on=TODAY - timedelta(days=5), status=VisitStatus.VISITED
    )
    finding = make_finding(visit, kind="concern")
    owner = world.personas[f"provider:{Role.PROVIDER_LEAD}"]
    with pytest.raises(ValidationError) as error:
        services.recommendation_create(
            visit=visit,
            finding=finding,
            by=officer,
            text="Audit.",
            owner=owner,
            due_on=TODAY - timedelta(days=6),
        )
    assert error.value.message_dict["due_on"] == [
        f"The due date cannot be before the visit, {visit.visit_on:%-d %B %Y}"
    ]
    assert services.recommendation_create(
        visit=visit, finding=finding, by=officer, text="Audit.", owner=owner, due_on=visit.visit_on
    )


# --- SSIG meetings -------------------------------------------------------------------------------


def _meeting_page(client, meeting):
    return client.get(meeting.get_absolute_url()).content.decode()


def test_the_meeting_page_offers_holding_only_from_its_date(client, world, officer):
    client.force_login(officer)
    upcoming = make_meeting(world.lmns_a, meeting_on=TODAY + timedelta(days=10))
    page = _meeting_page(client, upcoming)
    assert "Record the meeting as held" not in page
    assert f"from its date, {upcoming.meeting_on:%-d %B %Y}" in page
    today = make_meeting(world.lmns_a, meeting_on=TODAY, submission_deadline=TODAY)
    assert "Record the meeting as held" in _meeting_page(client, today)


def test_late_submissions_are_offered_only_after_the_deadline(client, world, officer):
    client.force_login(officer)
    before = make_meeting(world.lmns_a, meeting_on=TODAY + timedelta(days=10), submission_deadline=TODAY)
    page = _meeting_page(client, before)
    assert "Accept onto the agenda" not in page
    assert f"until the deadline, {TODAY:%-d %B %Y}" in page
    after = make_meeting(
        world.lmns_a, meeting_on=TODAY + timedelta(days=11), submission_deadline=TODAY - timedelta(days=1)
    )
    assert "Accept onto the agenda" in _meeting_page(client, after)
    assert not SsigSubmission.objects.exists()
