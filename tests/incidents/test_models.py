"""Model rules: Incident.clean, constraints, derived overdue state and who sees what."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from incidents import services
from incidents.models import (
    INCIDENT_TRANSITIONS,
    ActionStatus,
    DutyOfCandour,
    Incident,
    IncidentReferral,
    IncidentStatus,
    IncidentType,
    Learning,
    LearningStatus,
    ReferralBody,
    SafetyAction,
    SsigMeeting,
    SsigSubmission,
)
from lmns.models import Role
from tests.factories import make_action, make_incident, make_learning, make_meeting, make_user

pytestmark = pytest.mark.django_db

# The starting bodies: MNSI's referral is the incident's own; the others are referral rows.
BODIES = ["mnsi", "pmrt", "mbrrace", "coroner"]


def days(n: int):
    """A date ``n`` days from today (negative for the past)."""
    return timezone.localdate() + timedelta(days=n)


def build_incident(provider, **fields) -> Incident:
    """An unsaved, valid incident; override fields to break one rule at a time."""
    defaults = {
        "local_reference": "DATIX-1",
        "occurred_on": days(-10),
        "reported_on": days(-9),
        "incident_type": IncidentType.objects.order_by("pk").first(),
        "physical_harm": "low",
        "psychological_harm": "none",
        "summary": "Delay in escalating an abnormal CTG.",
    }
    return Incident(provider=provider, **{**defaults, **fields})


def errors_of(incident) -> dict:
    with pytest.raises(ValidationError) as excinfo:
        incident.full_clean()
    return excinfo.value.message_dict


# --- Incident.clean --------------------------------------------------------------------------


def test_valid_incident_passes_full_clean(world):
    build_incident(world.a1, unit=world.a1.units.get()).full_clean()


def test_dates_of_today_are_allowed(world):
    build_incident(world.a1, occurred_on=days(0), reported_on=days(0)).full_clean()


def test_occurred_in_the_future_is_refused(world):
    errors = errors_of(build_incident(world.a1, occurred_on=days(1), reported_on=days(1)))
    assert errors["occurred_on"] == ["The date occurred cannot be in the future."]


def test_reported_in_the_future_is_refused(world):
    errors = errors_of(build_incident(world.a1, reported_on=days(1)))
    assert errors["reported_on"] == ["The date reported cannot be in the future."]
    assert "occurred_on" not in errors


def test_reported_before_occurred_is_refused(world):
    errors = errors_of(build_incident(world.a1, occurred_on=days(-5), reported_on=days(-6)))
    assert errors["reported_on"] == ["The date reported cannot be before the date occurred."]


def test_reported_on_the_day_it_occurred_is_allowed(world):
    build_incident(world.a1, occurred_on=days(-5), reported_on=days(-5)).full_clean()


def test_unit_of_another_provider_is_refused(world):
    errors = errors_of(build_incident(world.a1, unit=world.a2.units.get()))
    assert errors["unit"] == ["Choose a unit of this provider."]


def test_no_unit_is_allowed(world):
    build_incident(world.a1, unit=None).full_clean()


def referral_problems(provider, code, *, referred_on=None, reference="", **fields) -> list[str]:
    """What the rules say about a referral to ``code``: MNSI's through the incident's clean(),
    the others' through the service that records them (and IncidentReferral.clean())."""
    if code == ReferralBody.MNSI:
        incident = build_incident(provider, mnsi_referred_on=referred_on, mnsi_reference=reference, **fields)
        try:
            incident.full_clean()
        except ValidationError as error:
            return error.message_dict.get("mnsi_referred_on", [])
        return []
    incident = make_incident(provider, **fields)
    body = ReferralBody.objects.get(code=code)
    try:
        services.incident_referrals_set(incident=incident, referrals={body: (referred_on, reference)})
    except ValidationError as error:
        return error.message_dict[f"{code}_referred_on"]
    return []


@pytest.mark.parametrize("body", BODIES)
def test_referral_reference_without_a_date_is_refused(world, body):
    assert "Enter the date" in referral_problems(world.a1, body, reference="REF-1")[0]


@pytest.mark.parametrize("body", BODIES)
def test_referral_date_in_the_future_is_refused(world, body):
    assert "cannot be in the future" in referral_problems(world.a1, body, referred_on=days(1))[0]


@pytest.mark.parametrize("body", BODIES)
def test_referral_before_the_incident_is_refused(world, body):
    problems = referral_problems(world.a1, body, occurred_on=days(-10), referred_on=days(-11))
    assert "cannot be before the incident occurred" in problems[0]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("offset", [-10, -3, 0])
def test_referral_dated_from_occurrence_to_today_is_allowed(world, body, offset):
    fields = {"occurred_on": days(-10), "reported_on": days(-10)}
    assert referral_problems(world.a1, body, referred_on=days(offset), reference="R1", **fields) == []


def test_referral_date_without_a_reference_is_allowed(world):
    build_incident(world.a1, mnsi_referred_on=days(-2)).full_clean()


@pytest.mark.parametrize("duty", [DutyOfCandour.NOT_YET_KNOWN, DutyOfCandour.DOES_NOT_APPLY])
def test_duty_of_candour_completion_date_only_when_it_applies(world, duty):
    errors = errors_of(build_incident(world.a1, duty_of_candour=duty, duty_of_candour_completed_on=days(-1)))
    assert errors["duty_of_candour_completed_on"] == [
        "Only record a completion date when duty of candour applies."
    ]


def test_duty_of_candour_completion_date_when_it_applies_is_allowed(world):
    build_incident(
        world.a1, duty_of_candour=DutyOfCandour.APPLIES, duty_of_candour_completed_on=days(-1)
    ).full_clean()


def test_duty_of_candour_completion_in_the_future_is_refused(world):
    errors = errors_of(
        build_incident(world.a1, duty_of_candour=DutyOfCandour.APPLIES, duty_of_candour_completed_on=days(1))
    )
    assert errors["duty_of_candour_completed_on"] == ["The completion date cannot be in the future."]


def test_duty_of_candour_completion_before_the_incident_is_refused(world):
    errors = errors_of(
        build_incident(
            world.a1,
            occurred_on=days(-10),
            duty_of_candour=DutyOfCandour.APPLIES,
            duty_of_candour_completed_on=days(-11),
        )
    )
    assert errors["duty_of_candour_completed_on"] == [
        "Duty of candour cannot be completed before the incident."
    ]


def test_several_broken_rules_are_reported_together(world):
    errors = errors_of(
        build_incident(world.a1, unit=world.b1.units.get(), reported_on=days(3), mnsi_reference="M1")
    )
    assert {"unit", "reported_on", "mnsi_referred_on"} <= set(errors)


# --- Incident constraints and queryset -------------------------------------------------------


def test_local_reference_is_unique_per_provider(world):
    make_incident(world.a1, local_reference="DATIX-42")
    errors = errors_of(build_incident(world.a1, local_reference="DATIX-42"))
    assert errors["__all__"] == ["This provider already has an incident with this local reference."]


def test_database_refuses_a_duplicate_local_reference(world):
    make_incident(world.a1, local_reference="DATIX-42")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_incident(world.a1, local_reference="DATIX-42")


def test_same_local_reference_at_another_provider_is_allowed(world):
    make_incident(world.a1, local_reference="DATIX-42")
    build_incident(world.a2, local_reference="DATIX-42").full_clean()
    build_incident(world.b1, local_reference="DATIX-42").full_clean()


def test_editing_an_incident_does_not_clash_with_its_own_reference(world):
    incident = make_incident(world.a1, local_reference="DATIX-42")
    incident.summary = "Amended."
    incident.full_clean()


@pytest.mark.parametrize("status", list(IncidentStatus))
def test_allowed_transitions_follow_the_table(world, status):
    incident = make_incident(world.a1, status=status)
    assert set(incident.allowed_transitions()) == INCIDENT_TRANSITIONS[status]


def test_every_status_has_a_way_out():
    assert set(INCIDENT_TRANSITIONS) == set(IncidentStatus)
    assert INCIDENT_TRANSITIONS[IncidentStatus.REPORTED] == {IncidentStatus.UNDER_REVIEW}
    assert INCIDENT_TRANSITIONS[IncidentStatus.CLOSED] == {IncidentStatus.UNDER_REVIEW}


def test_open_excludes_closed_incidents(world):
    open_incident = make_incident(world.a1)
    closed = make_incident(world.a1, status=IncidentStatus.CLOSED)
    assert open_incident in Incident.objects.open()
    assert closed not in Incident.objects.open()


def test_referral_querysets_and_property(world):
    mnsi = make_incident(world.a1, mnsi_referred_on=days(-2), mnsi_reference="MNSI-1")
    coroner = make_incident(world.a1, coroner_referred_on=days(-1))
    unreferred = make_incident(world.a1)
    mine = Incident.objects.filter(pk__in=[mnsi.pk, coroner.pk, unreferred.pk])
    assert list(mine.referred_to("mnsi")) == [mnsi]
    assert list(mine.referred_to("coroner")) == [coroner]
    assert not mine.referred_to("pmrt").exists()
    assert set(mine.with_any_referral()) == {mnsi, coroner}
    both = make_incident(
        world.a1, mnsi_referred_on=days(-2), mnsi_reference="M-2", coroner_referred_on=days(-1)
    )
    # In the bodies' order, each under its body's label as the data has it.
    ReferralBody.objects.filter(code="coroner").update(label="HM Coroner", order=1)
    shown = [(str(body), on, ref) for body, on, ref in both.external_referrals()]
    assert shown == [("HM Coroner", days(-1), ""), ("MNSI", days(-2), "M-2")]


# --- Referral bodies and referral rows --------------------------------------------------------


def test_the_starting_bodies_each_carry_a_source_note_saying_how_far_it_was_checked():
    bodies = list(ReferralBody.objects.filter(lmns=None))
    assert [b.code for b in bodies] == BODIES
    assert [b.label for b in bodies] == ["MNSI", "PMRT", "MBRRACE-UK", "Coroner"]
    assert all(b.is_active and b.source and ("[V]" in b.source or "[M]" in b.source) for b in bodies)
    # What was recalled says so.
    assert "[M]" in ReferralBody.objects.get(code="coroner").source
    assert "not checked" in ReferralBody.objects.get(code="coroner").source


def test_one_referral_per_body_per_incident(world):
    incident = make_incident(world.a1, pmrt_referred_on=days(-1))
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentReferral.objects.create(
            incident=incident, body=ReferralBody.objects.get(code="pmrt"), referred_on=days(-1)
        )


def test_a_body_in_use_cannot_be_deleted_only_retired(world):
    make_incident(world.a1, pmrt_referred_on=days(-1))
    with pytest.raises(ProtectedError):
        ReferralBody.objects.get(code="pmrt").delete()


def test_mnsi_has_no_referral_rows_and_cannot_be_retired(world):
    incident = make_incident(world.a1)
    mnsi = ReferralBody.objects.get(code="mnsi")
    with pytest.raises(ValidationError) as excinfo:
        IncidentReferral(incident=incident, body=mnsi, referred_on=days(-1)).full_clean()
    assert "MNSI questions" in str(excinfo.value)
    mnsi.is_active = False
    with pytest.raises(ValidationError):
        mnsi.full_clean()


def test_a_body_code_cannot_name_an_incident_field(world):
    body = ReferralBody(code="early_notification", label="Early notification again")
    with pytest.raises(ValidationError) as excinfo:
        body.full_clean()
    assert "code" in excinfo.value.message_dict


def test_another_lmnss_own_body_is_refused(world):
    other = ReferralBody.objects.create(code="b_local", label="B's panel", lmns=world.b1.lmns)
    incident = make_incident(world.a1)
    with pytest.raises(ValidationError) as excinfo:
        IncidentReferral(incident=incident, body=other, referred_on=days(-1)).full_clean()
    assert excinfo.value.message_dict == {"body": ["Choose a body used in this LMNS."]}


def test_moving_the_incident_date_after_a_referral_is_refused(world, bob):
    incident = make_incident(world.a1, occurred_on=days(-10), pmrt_referred_on=days(-5))
    with pytest.raises(ValidationError) as excinfo:
        services.incident_update(incident=incident, by=bob, occurred_on=days(-4), reported_on=days(-4))
    assert "The PMRT referral cannot be before the incident occurred." in str(excinfo.value)
    incident.refresh_from_db()
    assert incident.occurred_on == days(-10)


def test_referrals_keep_their_history(world, bob):
    incident = make_incident(world.a1)
    pmrt = ReferralBody.objects.get(code="pmrt")
    services.incident_referrals_set(incident=incident, referrals={pmrt: (days(-2), "P-1")})
    services.incident_referrals_set(incident=incident, referrals={pmrt: (days(-1), "P-1")})
    services.incident_referrals_set(incident=incident, referrals={pmrt: (None, "")})
    assert not incident.referrals.exists()
    history = IncidentReferral.history.filter(incident_id=incident.pk)
    kinds = list(history.values_list("history_type", flat=True))
    assert sorted(kinds) == ["+", "-", "~"]


# --- Learning ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "editable"),
    [
        (LearningStatus.DRAFT, True),
        (LearningStatus.SIGNED_OFF, False),
        (LearningStatus.SUBMITTED, False),
        (LearningStatus.SHARED, False),
    ],
)
def test_only_draft_learning_is_editable(world, status, editable):
    assert make_learning(world.a1, status=status).is_editable is editable


def test_database_allows_only_one_submission_per_learning(world, alice):
    learning = make_learning(world.a1, status=LearningStatus.SUBMITTED)
    first = make_meeting(world.lmns_a, meeting_on=days(21))
    second = make_meeting(world.lmns_a, meeting_on=days(35))
    SsigSubmission.objects.create(meeting=first, learning=learning, submitted_by=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        SsigSubmission.objects.create(meeting=second, learning=learning, submitted_by=alice)


# --- SSIG meetings -----------------------------------------------------------------------------


def test_ssig_deadline_after_the_meeting_is_refused_by_full_clean(world):
    meeting = SsigMeeting(lmns=world.lmns_a, meeting_on=days(10), submission_deadline=days(11))
    with pytest.raises(ValidationError) as excinfo:
        meeting.full_clean()
    assert excinfo.value.messages == ["The submission deadline must be on or before the meeting date."]


def test_ssig_deadline_on_the_meeting_day_is_allowed(world):
    SsigMeeting(lmns=world.lmns_a, meeting_on=days(10), submission_deadline=days(10)).full_clean()


def test_database_refuses_a_deadline_after_the_meeting(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        SsigMeeting.objects.create(lmns=world.lmns_a, meeting_on=days(10), submission_deadline=days(11))


def test_is_held_follows_held_at(world):
    meeting = make_meeting(world.lmns_a, meeting_on=days(21))
    assert not meeting.is_held
    meeting.held_at = timezone.now()
    assert meeting.is_held


# --- Safety actions ------------------------------------------------------------------------------


def test_action_incident_of_another_provider_is_refused(world, alice):
    action = SafetyAction(
        provider=world.a1, incident=make_incident(world.a2), owner=alice, description="x", due_on=days(5)
    )
    with pytest.raises(ValidationError) as excinfo:
        action.full_clean()
    assert excinfo.value.message_dict == {"incident": ["Choose an incident of this provider."]}


def test_action_learning_of_another_provider_is_refused(world, alice):
    action = SafetyAction(
        provider=world.a1, learning=make_learning(world.b1), owner=alice, description="x", due_on=days(5)
    )
    with pytest.raises(ValidationError) as excinfo:
        action.full_clean()
    assert excinfo.value.message_dict == {"learning": ["Choose learning of this provider."]}


@pytest.mark.parametrize("evidence", ["", "   \n"])
def test_completed_action_needs_completion_evidence(world, alice, evidence):
    action = SafetyAction(
        provider=world.a1,
        owner=alice,
        description="x",
        due_on=days(5),
        status=ActionStatus.COMPLETED,
        completion_evidence=evidence,
    )
    with pytest.raises(ValidationError) as excinfo:
        action.full_clean()
    assert excinfo.value.message_dict == {"completion_evidence": ["Say what shows the action is complete."]}


def test_is_overdue_is_derived_from_due_date_and_status(world, alice):
    assert make_action(world.a1, owner=alice, due_on=days(-1)).is_overdue
    assert make_action(world.a1, owner=alice, due_on=days(-1), status=ActionStatus.IN_PROGRESS).is_overdue
    assert not make_action(world.a1, owner=alice, due_on=days(0)).is_overdue
    assert not make_action(world.a1, owner=alice, due_on=days(1)).is_overdue
    completed = make_action(
        world.a1, owner=alice, due_on=days(-30), status=ActionStatus.COMPLETED, completion_evidence="Audit."
    )
    assert not completed.is_overdue


def test_overdue_queryset_uses_the_given_day(world, alice):
    late = make_action(world.a1, owner=alice, due_on=days(-1))
    in_progress = make_action(world.a1, owner=alice, due_on=days(-5), status=ActionStatus.IN_PROGRESS)
    due_today = make_action(world.a1, owner=alice, due_on=days(0))
    due_soon = make_action(world.a1, owner=alice, due_on=days(3))
    completed = make_action(
        world.a1, owner=alice, due_on=days(-30), status=ActionStatus.COMPLETED, completion_evidence="Audit."
    )
    mine = SafetyAction.objects.filter(
        pk__in=[a.pk for a in (late, in_progress, due_today, due_soon, completed)]
    )
    assert set(mine.overdue(timezone.localdate())) == {late, in_progress}
    assert set(mine.overdue()) == {late, in_progress}
    # Nothing is stored: the same actions become overdue as the days pass.
    assert set(mine.overdue(days(4))) == {late, in_progress, due_today, due_soon}
    assert set(mine.overdue(days(365))) == {late, in_progress, due_today, due_soon}
    assert set(mine.outstanding()) == {late, in_progress, due_today, due_soon}


def test_overdue_is_not_a_stored_field():
    field_names = {field.name for field in SafetyAction._meta.get_fields()}
    assert not field_names & {"overdue", "is_overdue"}


# --- Visibility ---------------------------------------------------------------------------------


@pytest.fixture
def learning_everywhere(world):
    """One learning per (provider, status)."""
    return {
        (provider.ods_code, status): make_learning(provider, status=status)
        for provider in world.providers
        for status in LearningStatus
    }


def _visible(user, learning_everywhere):
    visible = set(Learning.objects.visible_to(user))
    return {key for key, learning in learning_everywhere.items() if learning in visible}


def test_provider_user_sees_own_learning_and_shared_learning_of_their_lmns(
    world, alice, bob, learning_everywhere
):
    expected = {("AA1", status) for status in LearningStatus} | {("AA2", LearningStatus.SHARED)}
    assert _visible(alice, learning_everywhere) == expected
    assert _visible(bob, learning_everywhere) == expected


def test_provider_user_never_sees_another_lmnss_learning(world, learning_everywhere):
    b1_lead = make_user(role=Role.PROVIDER_LEAD, provider=world.b1)
    expected = {("BB1", status) for status in LearningStatus}
    assert _visible(b1_lead, learning_everywhere) == expected


def test_lmns_officer_sees_shared_learning_of_their_lmns_only(world, learning_everywhere):
    visible = _visible(world.personas[f"lmns:{Role.LMNS_OFFICER}"], learning_everywhere)
    assert {("AA1", LearningStatus.SHARED), ("AA2", LearningStatus.SHARED)} <= visible
    assert not any(ods == "BB1" for ods, _ in visible)


def test_superuser_sees_all_learning_and_nobody_sees_none(world, learning_everywhere):
    assert _visible(world.personas["superuser"], learning_everywhere) == set(learning_everywhere)
    assert _visible(world.personas["nobody"], learning_everywhere) == set()


def test_learning_visible_to_returns_each_item_once(world, alice):
    learning = make_learning(world.a1, status=LearningStatus.SHARED)
    # Own provider and shared-in-LMNS both match: the OR must not duplicate the row.
    assert list(Learning.objects.visible_to(alice)).count(learning) == 1


def test_shared_learning_does_not_reveal_another_providers_incidents(world, alice):
    own = make_incident(world.a1)
    theirs = make_incident(world.a2)
    make_learning(world.a2, status=LearningStatus.SHARED, incidents=[theirs])
    visible = set(Incident.objects.visible_to(alice))
    assert own in visible
    assert theirs not in visible
    assert {incident.provider for incident in visible} == {world.a1}


def test_lmns_officer_sees_incidents_of_their_lmns_only(world):
    a1, a2, b1 = make_incident(world.a1), make_incident(world.a2), make_incident(world.b1)
    visible = set(Incident.objects.visible_to(world.personas[f"lmns:{Role.LMNS_OFFICER}"]))
    assert {a1, a2} <= visible
    assert b1 not in visible
    assert {incident.provider for incident in visible} == {world.a1, world.a2}


def test_safety_actions_are_scoped_to_visible_providers(world, alice):
    own, theirs = make_action(world.a1, owner=alice), make_action(world.a2, owner=alice)
    visible = set(SafetyAction.objects.visible_to(alice))
    assert own in visible
    assert theirs not in visible
    assert {action.provider for action in visible} == {world.a1}
