"""Every change to compliance assessments, evidence and their verification.

Two-key assurance: the provider lead submits each requirement's position; an LMNS
officer accepts it or challenges it back. Any later change by the provider sends
the requirement back to "not submitted", so the board never sees a verified mark
on a position the LMNS has not checked.
"""

import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assurance.models import (
    Assessment,
    Evidence,
    EvidenceLink,
    Framework,
    Requirement,
    RequirementAssessment,
    Status,
    Verification,
)
from lmns.models import Provider
from lmns.uploads import check_upload
from lmns.work_email.models import WorkKind
from lmns.work_email.services import work_arrived

ITEM_FIELDS = (
    "status",
    "not_applicable_reason",
    "commentary",
    "action_plan",
    "action_owner",
    "action_due_on",
)


@transaction.atomic
def assessment_start(*, provider: Provider, framework: Framework, by) -> Assessment:
    """The provider's assessment of a framework, with one item per requirement.

    Starting a new version of a framework carries the evidence of the requirements it replaces
    forward, marked to review. Only a published framework is assessed: a draft's wording is not
    yet agreed, and a closed one is kept as it was answered.
    """
    if not framework.is_assessable:
        raise ValidationError(
            f"{framework} is {framework.get_status_display().lower()}: only a published framework can be "
            "assessed."
        )
    if framework.lmns_id not in (None, provider.lmns_id):
        raise ValidationError(f"{framework} is a local framework of another LMNS.")
    assessment, created = Assessment.objects.get_or_create(provider=provider, framework=framework)
    requirements = Requirement.objects.filter(action__framework=framework)
    existing = set(assessment.items.values_list("requirement_id", flat=True))
    bulk_create_with_history(
        [
            RequirementAssessment(assessment=assessment, requirement=r)
            for r in requirements
            if r.pk not in existing
        ],
        RequirementAssessment,
        default_user=by,
    )
    if created and framework.previous_id:
        _carry_evidence_forward(assessment=assessment, previous=framework.previous, by=by)
    return assessment


def _carry_evidence_forward(*, assessment: Assessment, previous: Framework, by) -> None:
    """Along the version's mapping: each requirement takes the evidence of the one it replaces."""
    items_by_replaced = {
        item.requirement.replaces_id: item
        for item in assessment.items.select_related("requirement")
        if item.requirement.replaces_id
    }
    old_links = EvidenceLink.objects.filter(
        item__assessment__provider=assessment.provider, item__assessment__framework=previous
    ).select_related("item")
    EvidenceLink.objects.bulk_create(
        [
            EvidenceLink(evidence_id=link.evidence_id, item=item, to_review=True, linked_by=by)
            for link in old_links
            if (item := items_by_replaced.get(link.item.requirement_id))
        ],
        ignore_conflicts=True,
    )


def ensure_open(framework: Framework) -> None:
    """A closed framework's assessments are read-only: the board's record of what was declared."""
    if framework.is_closed:
        raise ValidationError(
            f"{framework} is closed: its assessments are kept as they were and cannot change."
        )


@transaction.atomic
def item_update(*, item: RequirementAssessment, by, **fields) -> RequirementAssessment:
    """Change the provider's position on one requirement.

    A change to a submitted or verified position withdraws it: it must be
    submitted and verified again.
    """
    if unknown := set(fields) - set(ITEM_FIELDS):
        raise ValueError(f"Not assessment fields: {', '.join(sorted(unknown))}")
    item = (
        RequirementAssessment.objects.select_for_update()
        .select_related("assessment__framework")
        .get(pk=item.pk)
    )
    ensure_open(item.assessment.framework)
    before = {name: getattr(item, name) for name in ITEM_FIELDS}
    for name, value in fields.items():
        setattr(item, name, value)
    if item.status != Status.NOT_APPLICABLE:
        item.not_applicable_reason = ""
    item.full_clean()
    changed = {name for name in ITEM_FIELDS if getattr(item, name) != before[name]}
    if changed and item.verification != Verification.NOT_SUBMITTED:
        item.verification = Verification.NOT_SUBMITTED
        item.verified_by = item.verified_at = None
    item.updated_by = by
    item.save()
    return item


@transaction.atomic
def assessment_submit(*, items: Iterable[RequirementAssessment], by) -> int:
    """The provider lead submits assessed positions for LMNS verification. Returns how many."""
    submitted = 0
    now = timezone.now()
    # Re-read under a lock: the caller's copies may be stale.
    items = (
        RequirementAssessment.objects.select_for_update()
        .filter(pk__in=[item.pk for item in items])
        .select_related("requirement", "assessment__framework")
        .order_by("requirement__action__order", "requirement__order")
    )
    for item in items:
        ensure_open(item.assessment.framework)
        # Requirements not yet assessed stay with the provider, so a lead can submit the
        # actions that are ready without waiting for the rest of the framework; a challenged
        # one stays until the provider changes it, so the LMNS is not sent the same answer twice.
        if not item.is_ready_to_submit:
            continue
        item.verification = Verification.AWAITING
        item.submitted_by, item.submitted_at = by, now
        # The earlier challenge is kept: the officer reads it beside the answer, and the
        # item's history keeps every one.
        item.verified_by = item.verified_at = None
        item.save(
            update_fields=[
                "verification",
                "submitted_by",
                "submitted_at",
                "verified_by",
                "verified_at",
                "updated_at",
            ]
        )
        submitted += 1
    if not submitted:
        raise ValidationError(
            "There is nothing new to submit: give requirements a status first, change a requirement "
            "the LMNS challenged, or wait for the LMNS."
        )
    return submitted


@transaction.atomic
def item_verify(*, item: RequirementAssessment, by, accept: bool, comment: str = "") -> RequirementAssessment:
    """The LMNS accepts a submitted position, or challenges it back with a comment."""
    item = (
        RequirementAssessment.objects.select_for_update()
        .select_related("assessment__framework")
        .get(pk=item.pk)
    )
    ensure_open(item.assessment.framework)
    if item.verification != Verification.AWAITING:
        raise ValidationError(
            "Only a submitted requirement awaiting verification can be accepted or challenged."
        )
    if not accept and not comment.strip():
        raise ValidationError({"comment": "Say what the provider needs to address."})
    item.verification = Verification.ACCEPTED if accept else Verification.CHALLENGED
    item.challenge_comment = "" if accept else comment.strip()
    item.verified_by, item.verified_at = by, timezone.now()
    item.save(update_fields=["verification", "challenge_comment", "verified_by", "verified_at", "updated_at"])
    if not accept:
        work_arrived(
            kind=WorkKind.REQUIREMENT_CHALLENGED,
            url=item.get_absolute_url(),
            by=by,
            organisation=item.assessment.provider,
        )
    return item


@transaction.atomic
def evidence_add(
    *,
    provider: Provider,
    by,
    description: str,
    effective_from,
    expires_on=None,
    file=None,
    url: str = "",
    items: Iterable[RequirementAssessment] = (),
) -> Evidence:
    """Store a file (checked by content) or a link, and link it to requirements."""
    if bool(file) == bool(url):
        raise ValidationError({"file": "Upload a file or give a link, not both."})
    evidence = Evidence(
        provider=provider,
        added_by=by,
        description=description,
        effective_from=effective_from,
        expires_on=expires_on,
        url=url,
    )
    if file:
        try:
            kind = check_upload(file)
        except ValueError as error:
            raise ValidationError({"file": str(error)}) from error
        evidence.token = secrets.token_urlsafe(24)
        evidence.original_name = file.name[-255:]
        evidence.content_type = kind.content_type
        evidence.size = file.size
        evidence.file = file
    items = list(items)
    # Checked before saving: once saved, the file stays in storage even if the transaction rolls back.
    if any(item.assessment.provider_id != provider.pk for item in items):
        raise ValidationError("Evidence can only support its own provider's requirements.")
    evidence.full_clean(exclude=["file"])
    evidence.save()
    evidence_link(evidence=evidence, items=items, by=by)
    return evidence


@transaction.atomic
def evidence_link(*, evidence: Evidence, items: Iterable[RequirementAssessment], by) -> None:
    """Link evidence to requirements of its own provider, in any framework."""
    items = list(items)
    if any(item.assessment.provider_id != evidence.provider_id for item in items):
        raise ValidationError("Evidence can only support its own provider's requirements.")
    for item in items:
        ensure_open(item.assessment.framework)
        link, created = EvidenceLink.objects.get_or_create(
            evidence=evidence, item=item, defaults={"linked_by": by}
        )
        if not created and link.to_review:
            link.to_review = False
            link.save(update_fields=["to_review"])


@transaction.atomic
def evidence_review(*, link: EvidenceLink, by, keep: bool) -> None:
    """Confirm that carried-forward evidence still applies, or drop it from this requirement."""
    if not link.to_review:
        raise ValidationError("Only evidence carried forward from an earlier version is reviewed here.")
    ensure_open(link.item.assessment.framework)
    if keep:
        link.to_review = False
        link.save(update_fields=["to_review"])
    else:
        link.delete()
