"""Every change to the quarterly Saving Babies' Lives assessments.

Two keys, as for compliance requirements (assurance.services): the provider lead submits the
quarter; an LMNS officer or safety lead validates it, or challenges it back with a comment. A
challenged quarter stays with the provider until an answer changes, so the LMNS is not sent the
same answers twice; and whoever prepared the quarter (submitted it, or wrote an answer) cannot
validate it. A validated quarter is final: it is what the MIS safety action 6 evidence cites.
Callers check the role first (lmns.access actions ``assess``, ``submit_assessment``, ``verify``).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assurance.models import Evidence, RequirementAssessment
from assurance.sbl import selectors
from assurance.sbl.models import (
    Implementation,
    SblAnswer,
    SblAssessment,
    SblIntervention,
    SblState,
    quarter_start_of,
)
from assurance.services import evidence_add, evidence_link
from lmns.models import Provider
from lmns.notifications import absolute_url

EARLIEST_QUARTER = date(2023, 4, 1)  # SBL v3 was published in 2023


@transaction.atomic
def sbl_assessment_start(*, provider: Provider, quarter_start: date, by) -> SblAssessment:
    """The provider's assessment of one quarter, with one answer per active intervention."""
    today = timezone.localdate()
    if quarter_start != quarter_start_of(quarter_start):
        raise ValidationError({"quarter_start": "A quarter starts on 1 January, April, July or October."})
    if quarter_start > quarter_start_of(today):
        raise ValidationError({"quarter_start": "That quarter has not started yet."})
    if quarter_start < EARLIEST_QUARTER:
        raise ValidationError({"quarter_start": "Saving Babies' Lives version 3 starts in April 2023."})
    if SblAssessment.objects.filter(provider=provider, quarter_start=quarter_start).exists():
        raise ValidationError({"quarter_start": f"{provider} already has an assessment of that quarter."})
    interventions = list(SblIntervention.objects.filter(is_active=True))
    if not interventions:
        raise ValidationError("No Saving Babies' Lives interventions are loaded: run load_frameworks.")
    assessment = SblAssessment(provider=provider, quarter_start=quarter_start, created_by=by)
    assessment.full_clean()
    assessment._history_user = by
    assessment.save()
    bulk_create_with_history(
        [SblAnswer(assessment=assessment, intervention=item, updated_by=by) for item in interventions],
        SblAnswer,
        default_user=by,
    )
    return assessment


def _locked(assessment: SblAssessment) -> SblAssessment:
    return SblAssessment.objects.select_for_update().select_related("provider").get(pk=assessment.pk)


@transaction.atomic
def sbl_answers_update(*, assessment: SblAssessment, by, answers: dict[int, dict]) -> int:
    """Change answers of one assessment: ``answers`` maps an answer's id to its new
    ``implementation``, ``note`` and ``evidence``. All are saved, or none. Returns how many changed."""
    assessment = _locked(assessment)
    if not assessment.is_editable:
        raise ValidationError(
            f"This quarter is {assessment.get_state_display().lower()}: its answers cannot change now."
        )
    rows = {answer.pk: answer for answer in assessment.answers.filter(pk__in=list(answers))}
    if set(answers) - set(rows):
        raise ValidationError("An answer is not part of this assessment.")
    changed = 0
    for pk, values in answers.items():
        answer = rows[pk]
        implementation, note = values["implementation"], values.get("note", "").strip()
        if implementation not in Implementation.values:
            raise ValidationError(f"{answer.intervention.code}: choose how far it is implemented.")
        evidence = list(values.get("evidence", []))
        if any(item.provider_id != assessment.provider_id for item in evidence):
            raise ValidationError("Evidence can only come from the provider's own evidence.")
        new_evidence = {item.pk for item in evidence}
        evidence_changed = set(answer.evidence.values_list("pk", flat=True)) != new_evidence
        if (answer.implementation, answer.note) == (implementation, note) and not evidence_changed:
            continue
        answer.implementation, answer.note, answer.updated_by = implementation, note, by
        answer._history_user = by
        answer.save()
        if evidence_changed:
            answer.evidence.set(evidence)
        changed += 1
    return changed


@transaction.atomic
def sbl_assessment_submit(*, assessment: SblAssessment, by) -> SblAssessment:
    """The first key: the provider lead sends the quarter to the LMNS."""
    assessment = _locked(assessment)
    if not assessment.is_editable:
        raise ValidationError(
            f"This quarter is {assessment.get_state_display().lower()}: there is nothing to submit."
        )
    unanswered = assessment.answers.filter(implementation=Implementation.NOT_ANSWERED).count()
    if unanswered:
        raise ValidationError(
            f"{unanswered} intervention{'s' if unanswered != 1 else ''} not yet answered: answer every "
            "intervention before submitting."
        )
    if (
        assessment.state == SblState.CHALLENGED
        and not assessment.answers.filter(updated_at__gt=assessment.validated_at).exists()
    ):
        raise ValidationError(
            "Nothing has changed since the LMNS challenged this quarter: change the answers it "
            "questioned, or answer the challenge in their notes, first."
        )
    assessment.state = SblState.AWAITING
    assessment.submitted_by, assessment.submitted_at = by, timezone.now()
    assessment._history_user = by
    assessment.save()
    return assessment


@transaction.atomic
def sbl_assessment_validate(
    *, assessment: SblAssessment, by, accept: bool, comment: str = ""
) -> SblAssessment:
    """The second key: the LMNS validates the submitted quarter, or challenges it back."""
    assessment = _locked(assessment)
    if assessment.state != SblState.AWAITING:
        raise ValidationError("Only a quarter submitted to the LMNS can be validated or challenged.")
    prepared = by.pk == assessment.submitted_by_id or assessment.answers.filter(updated_by=by).exists()
    if prepared:
        raise ValidationError("You prepared this quarter: someone else at the LMNS must validate it.")
    comment = comment.strip()
    if not accept and not comment:
        raise ValidationError({"comment": "Say what the provider needs to address."})
    assessment.state = SblState.VALIDATED if accept else SblState.CHALLENGED
    # Every challenge stays in the assessment's history; the last is shown until it is validated.
    assessment.challenge_comment = "" if accept else comment
    assessment.validated_by, assessment.validated_at = by, timezone.now()
    assessment._history_user = by
    assessment.save()
    return assessment


def evidence_description(assessment: SblAssessment) -> str:
    score = selectors.assessment_scores(assessment).overall
    percent = f" ({score.percent}%)" if score.percent is not None else ""
    return (
        f"Saving Babies' Lives v3 self-assessment, {assessment.quarter_label}, validated by the LMNS on "
        f"{assessment.validated_at:%-d %B %Y}: {score.fully} of {score.applicable} applicable interventions "
        f"fully implemented{percent}"
    )[:300]


@transaction.atomic
def sbl_cite_as_evidence(*, assessment: SblAssessment, by, items: list[RequirementAssessment]) -> Evidence:
    """Record the validated quarter as evidence (a link to its page, with its figures in the
    description) for the provider's MIS safety action 6 requirements. The evidence then shows on
    those requirements and in the board workbooks, like any other."""
    assessment = SblAssessment.objects.select_related("provider").get(pk=assessment.pk)
    if assessment.state != SblState.VALIDATED:
        raise ValidationError("Only a quarter the LMNS has validated can be cited as evidence.")
    items = list(items)
    if not items:
        raise ValidationError({"items": "Select the safety action 6 requirements it supports."})
    allowed = set(selectors.sa6_items(assessment).values_list("pk", flat=True))
    if any(item.pk not in allowed for item in items):
        raise ValidationError(
            {"items": "Only the provider's open safety action 6 requirements can be chosen."}
        )
    url = absolute_url(assessment.get_absolute_url())
    # Cited again (on another year's safety action 6, say), the quarter stays one piece of evidence.
    if existing := Evidence.objects.filter(provider=assessment.provider, url=url).first():
        evidence_link(evidence=existing, items=items, by=by)
        return existing
    return evidence_add(
        provider=assessment.provider,
        by=by,
        description=evidence_description(assessment),
        effective_from=assessment.quarter_start,
        url=url,
        items=items,
    )
