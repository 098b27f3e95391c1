"""Every change to an improvement plan and to the learning network's health survey.

Keyword-only and atomic; a rule that refuses a change raises ValidationError with a message
for the user, so nothing is half-saved. Callers check access first (``selectors.may_plan``).
"""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from incidents.improvement.models import (
    CommunicationItem,
    ImprovementPlan,
    PdsaCycle,
    PlanMeasure,
    PlanMeasureValue,
    PlanTeamMember,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
)
from incidents.improvement.selectors import (
    SCALE_LABELS,
    driver_diagram,
    linkable_learning,
    primary_driver_choices,
    statements_of,
    survey_definitions,
)
from incidents.models import Learning, Theme, check_available
from lmns import services as lmns_services
from lmns.history import unattributed
from lmns.models import Lmns, Provider
from lmns.notifications import absolute_url

PLAN_FIELDS = frozenset(
    {"title", "primary_driver", "overarching_aim", "secondary_drivers"}
    | {section["field"] for section in driver_diagram()["sections"]}
)
# The rows hung off a plan that its tabs add, change and remove.
ROW_MODELS = {
    "measure": PlanMeasure,
    "communication": CommunicationItem,
    "team": PlanTeamMember,
    "pdsa": PdsaCycle,
}
MAX_INVITATIONS = 500


# --- Plans --------------------------------------------------------------------------------------


def _check_links(plan: ImprovementPlan, *, by, themes: Iterable[Theme], learning: Iterable[Learning]):
    learning, themes = list(learning), list(themes)
    check_available(themes, lmns_id=plan.lmns_id, field="themes")
    allowed = linkable_learning(user=by, provider=plan.provider, lmns_ids=[plan.lmns_id])
    if allowed.filter(pk__in=[item.pk for item in learning]).count() != len({item.pk for item in learning}):
        raise ValidationError({"learning": "Choose learning shared across the LMNS, or your own provider's."})
    plan.themes.set(themes)
    plan.learning.set(learning)


def _apply(plan: ImprovementPlan, fields: dict):
    if unknown := fields.keys() - PLAN_FIELDS:
        raise ValueError(f"{', '.join(sorted(unknown))} cannot be set on a plan.")
    for name, value in fields.items():
        setattr(plan, name, value)
    if plan.primary_driver not in dict(primary_driver_choices()):
        raise ValidationError({"primary_driver": "Choose a primary driver from the national driver diagram."})
    plan.secondary_drivers = [d.strip() for d in plan.secondary_drivers if d.strip()]
    plan.full_clean()
    plan.save()


@transaction.atomic
def plan_create(
    *,
    by,
    organisation: Provider | Lmns,
    themes: Iterable[Theme] = (),
    learning: Iterable[Learning] = (),
    **fields,
) -> ImprovementPlan:
    """Start a plan for a provider, or an LMNS-wide one, from the themes and learning that prompted it."""
    if isinstance(organisation, Provider):
        plan = ImprovementPlan(provider=organisation, lmns_id=organisation.lmns_id, created_by=by)
    else:
        plan = ImprovementPlan(lmns=organisation, created_by=by)
    _apply(plan, fields)
    _check_links(plan, by=by, themes=themes, learning=learning)
    return plan


@transaction.atomic
def plan_update(
    *, plan: ImprovementPlan, by, themes: Iterable[Theme] | None = None, learning=None, **fields
) -> ImprovementPlan:
    """Change the plan's driver, aim and General sections (and its links, when given)."""
    plan = ImprovementPlan.objects.select_for_update().get(pk=plan.pk)
    _apply(plan, fields)
    if themes is not None:
        _check_links(plan, by=by, themes=themes, learning=learning or [])
    return plan


@transaction.atomic
def plan_close(*, plan: ImprovementPlan, closed_on: date, summary: str, by) -> ImprovementPlan:
    """Close the plan: its work has ended. Saved with a history row, so the plan's history says
    who closed it, when and why. The month it closes in still owes its highlight report."""
    plan = ImprovementPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.is_closed:
        raise ValidationError(f"This plan was closed on {plan.closed_on:%-d %B %Y}.")
    if closed_on > timezone.localdate():
        raise ValidationError({"closed_on": "The date the plan closed must be today or in the past"})
    started = timezone.localtime(plan.created_at).date()
    if closed_on < started:
        message = f"The date the plan closed must be on or after the day it started, {started:%-d %B %Y}"
        raise ValidationError({"closed_on": message})
    # A report for a later month would be left as the plan's latest, for work it says had ended.
    latest = plan.highlight_reports.order_by("-month").values_list("month", flat=True).first()
    if latest and closed_on < latest:
        message = (
            f"The plan has a highlight report for {latest:%B %Y}, so the date it closed must be in "
            f"{latest:%B %Y} or later"
        )
        raise ValidationError({"closed_on": message})
    plan.closed_on, plan.closing_summary = closed_on, summary.strip()
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_reopen(*, plan: ImprovementPlan, by) -> ImprovementPlan:
    """Reopen a closed plan, which then owes its monthly highlight reports again. The closing
    summary is cleared with the date; the plan's history keeps both."""
    plan = ImprovementPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_closed:
        raise ValidationError("This plan is open.")
    plan.closed_on, plan.closing_summary = None, ""
    plan.save()
    return plan


@transaction.atomic
def plan_row_save(*, plan: ImprovementPlan, kind: str, by, row=None, **fields):
    """Add a row to one of the plan's tabs (measure, communication, team member, PDSA
    cycle), or change ``row``; the row's own validation decides what is acceptable."""
    model = ROW_MODELS[kind]
    if row is None:
        row = model(plan=plan)
    elif row.plan_id != plan.pk or not isinstance(row, model):
        raise ValueError("That row belongs to another plan.")
    for name, value in fields.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    # Only the plan's "last updated" moves, by update() and so without a history row of the
    # plan: the row's own history says what changed (here and below).
    ImprovementPlan.objects.filter(pk=plan.pk).update(updated_at=timezone.now())
    return row


@transaction.atomic
def plan_row_delete(*, plan: ImprovementPlan, row, by) -> None:
    if row.plan_id != plan.pk:
        raise ValueError("That row belongs to another plan.")
    row.delete()
    ImprovementPlan.objects.filter(pk=plan.pk).update(updated_at=timezone.now())


@transaction.atomic
def measure_values_set(*, measure: PlanMeasure, values: dict[date, Decimal | None], by) -> PlanMeasure:
    """Set the measure's monthly values: a month given None loses its value."""
    today = timezone.localdate()
    future = [month for month, value in values.items() if value is not None and month > today]
    if future:
        raise ValidationError(f"{future[0]:%B %Y} has not started yet: enter values for past months only.")
    if any(month.day != 1 for month in values):
        raise ValueError("Months are the first day of the month.")
    measure.values.filter(month__in=[m for m, v in values.items() if v is None]).delete()
    for month, value in values.items():
        if value is not None:
            PlanMeasureValue.objects.update_or_create(measure=measure, month=month, defaults={"value": value})
    ImprovementPlan.objects.filter(pk=measure.plan_id).update(updated_at=timezone.now())
    return measure


# --- The health survey --------------------------------------------------------------------------


def token_hash(token: str) -> str:
    """Links are stored only as this hash: the database alone cannot open an answer page."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def survey_round_open(*, lmns: Lmns, survey: str, title: str, by) -> SurveyRound:
    """Open a round of a survey from its data file; the statements are copied into the round."""
    definitions = survey_definitions()
    if survey not in definitions:
        raise ValidationError({"survey": "Choose one of the surveys available."})
    round_ = SurveyRound(
        lmns=lmns,
        survey=survey,
        title=title,
        definition=definitions[survey],
        opened_by=by,
        opened_on=timezone.localdate(),
    )
    round_.full_clean()
    round_.save()
    return round_


def _answer_path(token: str) -> str:
    return f"{reverse('incidents:improvement-survey-answer')}?token={token}"


@transaction.atomic
def survey_invite(*, round_: SurveyRound, emails: Iterable[str], by) -> int:
    """Email one single-use answering link to each address. The addresses are used to send and
    then forgotten, so an answer can never be traced back to who was asked."""
    round_ = SurveyRound.objects.select_for_update().get(pk=round_.pk)
    if not round_.is_open:
        raise ValidationError("This round is closed: open a new round to ask more people.")
    emails = list(dict.fromkeys(email.strip().lower() for email in emails if email.strip()))
    if not emails:
        raise ValidationError({"emails": "Enter at least one email address."})
    if len(emails) > MAX_INVITATIONS:
        raise ValidationError({"emails": f"Invite up to {MAX_INVITATIONS} people at a time."})
    for email in emails:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"emails": f"{email} is not a complete email address, like name@example.com."}
            ) from None
    for email in emails:
        token = secrets.token_urlsafe(32)
        SurveyInvitation.objects.create(round=round_, token_hash=token_hash(token))
        lmns_services.email_queue(
            to=[email],
            subject=f"{round_.lmns.name}: {round_.title}",
            body=(
                f"{round_.lmns.name} asks for your view of the Local Learning System in a short, "
                f"anonymous survey: {round_.definition['title']}.\n\n"
                "Answer here (the link works once and is yours alone):\n"
                f"{absolute_url(_answer_path(token))}\n\n"
                "Your answers are not linked to you, to this email or to the link."
            ),
        )
    round_.invitations_sent += len(emails)
    round_.save(update_fields=["invitations_sent"])
    return len(emails)


@transaction.atomic
def survey_round_close(*, round_: SurveyRound, by) -> SurveyRound:
    round_ = SurveyRound.objects.select_for_update().get(pk=round_.pk)
    if not round_.is_open:
        raise ValidationError("This round is already closed.")
    round_.closed_on = timezone.localdate()
    round_.save(update_fields=["closed_on"])
    # Unused links can never be used now; dropping them keeps nothing that is not needed.
    round_.invitations.filter(used=False).delete()
    return round_


def survey_invitation_for(token: str) -> SurveyInvitation | None:
    """The open round's unused invitation for ``token``, if there is one."""
    return (
        SurveyInvitation.objects.select_related("round")
        .filter(token_hash=token_hash(token), used=False, round__closed_on__isnull=True)
        .first()
    )


@transaction.atomic
@unattributed()
def survey_answer(*, token: str, answers: dict[str, int]) -> SurveyResponse:
    """Record one anonymous response and spend the link. The response is tied to the round
    only; the invitation keeps just "used", so neither can be matched to the other."""
    invitation = (
        SurveyInvitation.objects.select_for_update()
        .select_related("round")
        .filter(token_hash=token_hash(token), used=False, round__closed_on__isnull=True)
        .first()
    )
    if invitation is None:
        raise ValidationError("This link has already been used, or its survey round has closed.")
    keys = [statement["key"] for statement in statements_of(invitation.round.definition)]
    missing = [key for key in keys if answers.get(key) not in SCALE_LABELS]
    if missing or answers.keys() - set(keys):
        raise ValidationError('Answer every statement; choose "Don\'t know" where you are not sure.')
    invitation.used = True
    invitation.save(update_fields=["used"])
    response = SurveyResponse.objects.create(round=invitation.round)
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(response=response, statement=key, value=answers[key]) for key in keys
    )
    return response
