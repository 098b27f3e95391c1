"""Every change to incidents, learning, safety actions and SSIG meetings.

Services are keyword-only and atomic, take the acting user as ``by``, and raise
ValidationError with a message for the user when a rule refuses the change, so
that nothing is half-saved. Callers check access first (lmns.access).
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from incidents.models import (
    ActionSource,
    ActionStatus,
    DutyOfCandour,
    Incident,
    IncidentReferral,
    IncidentStatus,
    Learning,
    LearningEvent,
    LearningStatus,
    ReferralBody,
    ResponseType,
    SafetyAction,
    SsigMeeting,
    SsigSubmission,
    Theme,
    check_available,
    referral_date_problem,
)
from lmns.models import Lmns, Provider
from lmns.work_email.models import WorkKind
from lmns.work_email.services import work_arrived

# --- Incidents -------------------------------------------------------------------------------


@transaction.atomic
def incident_create(*, provider: Provider, by, referrals: dict | None = None, **fields) -> Incident:
    """``referrals`` is {body: (date or None, reference)}: see ``incident_referrals_set``."""
    incident = Incident(provider=provider, created_by=by, **fields)
    incident.full_clean()
    check_available([incident.incident_type], lmns_id=provider.lmns_id, field="incident_type")
    incident.save()
    incident_referrals_set(incident=incident, referrals=referrals or {})
    return incident


# Set only by the workflow services, never through an edit.
_WORKFLOW_FIELDS = {"provider", "status", "created_by", "signed_off_by", "signed_off_at", "legal_hold"}


def _refuse_workflow_fields(fields: dict) -> None:
    if forbidden := _WORKFLOW_FIELDS & fields.keys():
        raise ValueError(f"{', '.join(sorted(forbidden))} cannot be changed by editing; use the workflow.")


@transaction.atomic
def incident_update(*, incident: Incident, by, referrals: dict | None = None, **fields) -> Incident:
    _refuse_workflow_fields(fields)
    if incident.status == IncidentStatus.CLOSED:
        raise ValidationError("This incident is closed. Reopen it for review before changing it.")
    for name, value in fields.items():
        setattr(incident, name, value)
    incident.full_clean()
    if "incident_type" in fields:
        check_available([incident.incident_type], lmns_id=incident.provider.lmns_id, field="incident_type")
    incident.save()
    incident_referrals_set(incident=incident, referrals=referrals or {})
    return incident


@transaction.atomic
def incident_referrals_set(*, incident: Incident, referrals: dict[ReferralBody, tuple]) -> None:
    """Record, change or remove (no date) the incident's referral to each body given; bodies
    not given keep theirs. Each referral the incident then holds must follow the date it
    occurred; an error names the body's date field (``<code>_referred_on``)."""
    errors = {}
    held = {referral.body_id: referral for referral in incident.referrals.select_related("body")}
    for body, (referred_on, reference) in referrals.items():
        current = held.pop(body.pk, None)
        if referred_on is None:
            if reference:
                errors[body.date_field] = (
                    f"Enter the date of the {body.label} referral, or remove its reference."
                )
            elif current is not None:
                current.delete()
            continue
        if current is not None and (current.referred_on, current.reference) == (referred_on, reference):
            held[body.pk] = current  # unchanged, but still checked against the incident below
            continue
        referral = current or IncidentReferral(incident=incident, body=body)
        referral.referred_on, referral.reference = referred_on, reference
        try:
            referral.full_clean()
        except ValidationError as error:
            errors[body.date_field] = [m for messages in error.message_dict.values() for m in messages]
            continue
        referral.save()
    today = timezone.localdate()
    for referral in held.values():
        problem = referral_date_problem(referral.referred_on, occurred_on=incident.occurred_on, today=today)
        if problem:
            errors.setdefault("__all__", []).append(problem.format(body=referral.body.label))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def incident_transition(*, incident: Incident, to_status: str, by) -> Incident:
    """Move an incident along its review path, refusing any step the path does not allow."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    current = IncidentStatus(incident.status)
    target = IncidentStatus(to_status)
    if target not in incident.allowed_transitions():
        raise ValidationError(
            f"An incident that is {current.label.lower()} cannot move to {target.label.lower()}."
        )
    if target == IncidentStatus.RESPONSE_UNDERWAY and incident.response_type in {
        "",
        ResponseType.NO_FURTHER_RESPONSE,
    }:
        raise ValidationError(
            "Choose the learning response (for example a PSII or an after action review) first."
        )
    if target == IncidentStatus.CLOSED:
        if not incident.response_type:
            raise ValidationError(
                "Record the learning response chosen, or 'No further response', before closing."
            )
        # Statutory duty of candour (Regulation 20) must be met before the incident is closed.
        if incident.duty_of_candour == DutyOfCandour.NOT_YET_KNOWN:
            raise ValidationError("Record whether duty of candour applies before closing.")
        if incident.duty_of_candour == DutyOfCandour.APPLIES and not incident.duty_of_candour_completed_on:
            raise ValidationError("Duty of candour applies: record the date it was completed before closing.")
    incident.status = target
    incident.save(update_fields=["status", "updated_at"])
    return incident


@transaction.atomic
def incident_legal_hold_set(*, incident: Incident, held: bool, by) -> Incident:
    """Put the incident under legal hold, so that retention keeps it, or lift the hold.

    The caller checks that ``by`` may hold records (the LMNS safety lead or a system
    administrator); the change is in the incident's history, closed or not.
    """
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    incident.legal_hold = held
    incident.save(update_fields=["legal_hold", "updated_at"])
    return incident


# --- Learning --------------------------------------------------------------------------------


def _check_learning_links(*, provider: Provider, incidents: Iterable[Incident], themes: Iterable[Theme]):
    errors = {}
    if any(incident.provider_id != provider.pk for incident in incidents):
        errors["incidents"] = "Learning can only be linked to incidents of its own provider."
    if not list(themes):
        errors["themes"] = "Choose at least one theme."
    if errors:
        raise ValidationError(errors)
    check_available(themes, lmns_id=provider.lmns_id, field="themes")


@transaction.atomic
def learning_create(
    *,
    provider: Provider,
    by,
    title: str,
    what_happened: str,
    what_we_learned: str,
    what_we_changed: str,
    incidents: Iterable[Incident] = (),
    themes: Iterable[Theme],
) -> Learning:
    incidents, themes = list(incidents), list(themes)
    _check_learning_links(provider=provider, incidents=incidents, themes=themes)
    learning = Learning(
        provider=provider,
        created_by=by,
        title=title,
        what_happened=what_happened,
        what_we_learned=what_we_learned,
        what_we_changed=what_we_changed,
    )
    learning.full_clean()
    learning.save()
    learning.incidents.set(incidents)
    learning.themes.set(themes)
    work_arrived(
        kind=WorkKind.LEARNING_TO_SIGN_OFF, url=learning.get_absolute_url(), by=by, organisation=provider
    )
    return learning


@transaction.atomic
def learning_update(
    *, learning: Learning, by, incidents: Iterable[Incident] = (), themes: Iterable[Theme], **fields
) -> Learning:
    _refuse_workflow_fields(fields)
    if not learning.is_editable:
        raise ValidationError(
            "Only draft learning can be changed. Ask the provider lead to return it to draft."
        )
    incidents, themes = list(incidents), list(themes)
    _check_learning_links(provider=learning.provider, incidents=incidents, themes=themes)
    for name, value in fields.items():
        setattr(learning, name, value)
    learning.full_clean()
    learning.save()
    learning.incidents.set(incidents)
    learning.themes.set(themes)
    return learning


@transaction.atomic
def learning_sign_off(*, learning: Learning, by) -> Learning:
    learning = Learning.objects.select_for_update().get(pk=learning.pk)
    if learning.status != LearningStatus.DRAFT:
        raise ValidationError("Only draft learning can be signed off.")
    learning.status = LearningStatus.SIGNED_OFF
    learning.signed_off_by = by
    learning.signed_off_at = timezone.now()
    learning.save(update_fields=["status", "signed_off_by", "signed_off_at"])
    return learning


@transaction.atomic
def learning_return_to_draft(*, learning: Learning, by) -> Learning:
    learning = Learning.objects.select_for_update().get(pk=learning.pk)
    if learning.status != LearningStatus.SIGNED_OFF:
        raise ValidationError("Only signed-off learning that is not yet submitted can return to draft.")
    learning.status = LearningStatus.DRAFT
    learning.signed_off_by = None
    learning.signed_off_at = None
    learning.save(update_fields=["status", "signed_off_by", "signed_off_at"])
    return learning


@transaction.atomic
def learning_submit(
    *, learning: Learning, meeting: SsigMeeting, by, accept_late: bool = False
) -> SsigSubmission:
    """Put signed-off learning on an SSIG agenda.

    After the submission deadline only the LMNS may accept it (``accept_late``,
    which the caller grants only to those who may run the SSIG).
    """
    learning = Learning.objects.select_for_update().select_related("provider").get(pk=learning.pk)
    if hasattr(learning, "submission"):
        raise ValidationError(f"This learning was already submitted to the {learning.submission.meeting}.")
    # Re-read under a lock: the meeting may have been held since the caller loaded it.
    meeting = SsigMeeting.objects.select_for_update().get(pk=meeting.pk)
    if learning.status != LearningStatus.SIGNED_OFF:
        raise ValidationError(
            "Only learning signed off by the provider lead can be submitted to an SSIG meeting."
        )
    if meeting.lmns_id != learning.provider.lmns_id:
        raise ValidationError({"meeting": "Choose a meeting of your LMNS."})
    if meeting.is_held:
        raise ValidationError({"meeting": "This meeting has already been held."})
    late = meeting.is_past_deadline
    if accept_late and not late:
        raise ValidationError(
            {
                "meeting": f"The deadline for this meeting is {meeting.submission_deadline:%-d %B %Y}: "
                "until then the provider lead submits the learning, and nothing is late."
            }
        )
    if late and not accept_late:
        raise ValidationError(
            {
                "meeting": f"The deadline for this meeting was {meeting.submission_deadline:%-d %B %Y}. "
                "Ask the LMNS to accept a late submission, or choose a later meeting."
            }
        )
    submission = SsigSubmission.objects.create(
        meeting=meeting, learning=learning, submitted_by=by, late_accepted_by=by if late else None
    )
    learning.status = LearningStatus.SUBMITTED
    learning.save(update_fields=["status"])
    return submission


@transaction.atomic
def learning_withdraw(*, learning: Learning, by) -> Learning:
    """Take submitted learning off an SSIG agenda, back to signed off: only until the submission
    deadline, after which the LMNS is preparing the meeting from what was sent. The submission's
    history keeps who sent it and when."""
    learning = Learning.objects.select_for_update().get(pk=learning.pk)
    submission = getattr(learning, "submission", None)
    if learning.status != LearningStatus.SUBMITTED or submission is None:
        raise ValidationError("Only submitted learning can be withdrawn.")
    meeting = SsigMeeting.objects.select_for_update().get(pk=submission.meeting_id)
    if meeting.is_held or meeting.is_past_deadline:
        raise ValidationError(
            f"The deadline for the {meeting} was {meeting.submission_deadline:%-d %B %Y}: ask the LMNS "
            "to take the learning off its agenda."
        )
    submission.delete()
    learning.status = LearningStatus.SIGNED_OFF
    learning.save(update_fields=["status"])
    return learning


# --- Safety actions --------------------------------------------------------------------------


@transaction.atomic
def safety_action_create(*, provider: Provider, by, **fields) -> SafetyAction:
    action = SafetyAction(provider=provider, **fields)
    if action.status == ActionStatus.COMPLETED and not action.completed_on:
        action.completed_on = timezone.localdate()
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def safety_action_from_mnsi(
    *, incident: Incident, recommendation: str, reference: str, owner, due_on, by
) -> SafetyAction:
    """One of MNSI's safety recommendations to the provider, taken on as its safety action."""
    return safety_action_create(
        provider=incident.provider,
        by=by,
        incident=incident,
        description=recommendation,
        source=ActionSource.MNSI,
        source_reference=reference,
        owner=owner,
        due_on=due_on,
    )


@transaction.atomic
def safety_action_update(*, action: SafetyAction, by, **fields) -> SafetyAction:
    if "provider" in fields:
        raise ValueError("An action's provider cannot be changed.")
    for name, value in fields.items():
        setattr(action, name, value)
    if action.status == ActionStatus.COMPLETED:
        action.completed_on = action.completed_on or timezone.localdate()
    else:
        action.completed_on = None
    action.full_clean()
    action.save()
    return action


# --- SSIG meetings and learning events --------------------------------------------------------


@transaction.atomic
def ssig_meeting_create(*, lmns: Lmns, by, meeting_on, submission_deadline) -> SsigMeeting:
    meeting = SsigMeeting(lmns=lmns, meeting_on=meeting_on, submission_deadline=submission_deadline)
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def ssig_meeting_record_outcomes(
    *,
    meeting: SsigMeeting,
    by,
    attended_by: Iterable[Provider],
    attendees: str,
    themes_agreed: Iterable[Theme],
    escalations: str,
    learning_event_topics: str,
) -> SsigMeeting:
    attended_by, themes_agreed = list(attended_by), list(themes_agreed)
    if any(provider.lmns_id != meeting.lmns_id for provider in attended_by):
        raise ValidationError({"attended_by": "Attending providers must belong to this LMNS."})
    check_available(themes_agreed, lmns_id=meeting.lmns_id, field="themes_agreed")
    meeting.attendees = attendees
    meeting.escalations = escalations
    meeting.learning_event_topics = learning_event_topics
    meeting.full_clean()
    meeting.save()
    meeting.attended_by.set(attended_by)
    meeting.themes_agreed.set(themes_agreed)
    return meeting


@transaction.atomic
def ssig_meeting_hold(*, meeting: SsigMeeting, by) -> SsigMeeting:
    """Record the meeting as held: its submitted learning is now shared across the LMNS."""
    meeting = SsigMeeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.is_held:
        raise ValidationError("This meeting is already recorded as held.")
    if meeting.meeting_on > timezone.localdate():
        raise ValidationError("A meeting can only be recorded as held on or after its date.")
    meeting.held_at = timezone.now()
    meeting.save(update_fields=["held_at"])
    shared = list(Learning.objects.filter(submission__meeting=meeting))
    for learning in shared:
        learning.status = LearningStatus.SHARED
    bulk_update_with_history(shared, Learning, ["status"], default_user=by)
    return meeting


@transaction.atomic
def learning_event_create(
    *,
    lmns: Lmns,
    by,
    topic: str,
    held_on,
    description: str = "",
    themes: Iterable[Theme] = (),
    learning: Iterable[Learning] = (),
) -> LearningEvent:
    learning, themes = list(learning), list(themes)
    if any(item.status != LearningStatus.SHARED or item.provider.lmns_id != lmns.pk for item in learning):
        raise ValidationError({"learning": "Draw only on learning shared at this LMNS's SSIG."})
    check_available(themes, lmns_id=lmns.pk, field="themes")
    event = LearningEvent(lmns=lmns, topic=topic, held_on=held_on, description=description)
    event.full_clean()
    event.save()
    event.themes.set(themes)
    event.learning.set(learning)
    return event
