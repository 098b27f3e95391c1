"""Every change to maturity models and rounds.

A model is authored like a framework (assurance.authoring): only a draft is edited, by a safety
lead of its LMNS; one person prepares it and a different one publishes it
(``lmns.access.authors_framework`` and ``approves_framework``). A round is scored by the
organisation it describes: a provider's by its assessors (its lead submits it), the LMNS's own by
its staff who run the improvement work (``plan_improvement`` held at the LMNS). A provider's round
needs a published model, as providers never read wording that is not agreed; the LMNS may score a
draft, to try the wording out, and such a round is seen only by those who check the draft.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assurance.maturity.models import (
    MaturityDescriptor,
    MaturityDomain,
    MaturityLevel,
    MaturityModel,
    MaturityRound,
    MaturityScore,
    RoundState,
)
from assurance.models import FrameworkStatus
from lmns import access
from lmns.models import Lmns, Provider

MODEL_FIELDS = ("name", "version", "source_note", "wording_checked")


def may_score(user, organisation: Provider | Lmns) -> bool:
    """Whether ``user`` scores rounds of ``organisation`` (a provider, or an LMNS's own)."""
    return access.can(user, "plan_improvement" if isinstance(organisation, Lmns) else "assess", organisation)


def may_submit(user, organisation: Provider | Lmns) -> bool:
    action = "plan_improvement" if isinstance(organisation, Lmns) else "submit_assessment"
    return access.can(user, action, organisation)


def _ensure_draft_author(model: MaturityModel, by) -> None:
    if not model.is_draft:
        raise ValidationError(
            f"{model} is {model.get_status_display().lower()}, so it cannot be edited. "
            "Start a new version from it to correct it."
        )
    if not access.authors_framework(by, model):
        raise PermissionDenied


@transaction.atomic
def maturity_model_update(
    *, model: MaturityModel, by, domains: dict, levels: dict, descriptors: dict, **fields
) -> MaturityModel:
    """Change a draft's details and wording: ``domains`` and ``levels`` map an id to a new name,
    ``descriptors`` an id to a new text. Only what changed is written, so history shows it."""
    model = MaturityModel.objects.select_for_update().get(pk=model.pk)
    _ensure_draft_author(model, by)
    for name, value in fields.items():
        if name not in MODEL_FIELDS:
            raise TypeError(f"{name} is not a field of a maturity model that authoring changes")
        setattr(model, name, value)
    model.full_clean()
    model.save()
    _update_rows(model.domains.all(), domains, "name")
    _update_rows(model.levels.all(), levels, "name")
    _update_rows(MaturityDescriptor.objects.filter(domain__model=model), descriptors, "text")
    return model


def _update_rows(rows, values: dict, attribute: str) -> None:
    found = {row.pk: row for row in rows.filter(pk__in=list(values))}
    if set(values) - set(found):
        raise ValidationError("Something changed is not part of this model.")
    for pk, value in values.items():
        row = found[pk]
        value = value.strip()
        if not value:
            raise ValidationError(f"Enter the {attribute} of {row}.")
        if getattr(row, attribute) != value:
            setattr(row, attribute, value)
            row.full_clean()
            row.save()


@transaction.atomic
def maturity_model_new_version(*, source: MaturityModel, by, version: str) -> MaturityModel:
    """A new draft of the same model (same slug, so rounds of it compare with rounds of the source)
    with the source's domains, levels and descriptors. Its wording is not yet checked: whatever
    prompted the new version (a new edition of the source, a correction) is checked again."""
    if not access.authors_framework(by, source):
        raise PermissionDenied
    if MaturityModel.objects.filter(lmns=source.lmns, slug=source.slug, version=version.strip()).exists():
        raise ValidationError({"version": f"{source.name} already has a version called {version.strip()}."})
    draft = MaturityModel(
        lmns=source.lmns,
        slug=source.slug,
        name=source.name,
        version=version.strip(),
        source_note=f"Copied from {source}. {source.source_note}",
    )
    draft.full_clean()
    draft.save()
    levels = {
        level.pk: MaturityLevel.objects.create(model=draft, number=level.number, name=level.name)
        for level in source.levels.all()
    }
    for domain in source.domains.prefetch_related("descriptors"):
        copy = MaturityDomain.objects.create(
            model=draft, code=domain.code, name=domain.name, order=domain.order
        )
        MaturityDescriptor.objects.bulk_create(
            MaturityDescriptor(domain=copy, level=levels[item.level_id], text=item.text)
            for item in domain.descriptors.all()
        )
    return draft


@transaction.atomic
def maturity_model_prepare(*, model: MaturityModel, by) -> MaturityModel:
    """The first key: the author says the draft is ready for a different person to publish."""
    model = MaturityModel.objects.select_for_update().get(pk=model.pk)
    _ensure_draft_author(model, by)
    model.status, model.prepared_by, model.prepared_at = FrameworkStatus.AWAITING_APPROVAL, by, timezone.now()
    model.save()
    return model


@transaction.atomic
def maturity_model_return(*, model: MaturityModel, by) -> MaturityModel:
    model = MaturityModel.objects.select_for_update().get(pk=model.pk)
    if model.status != FrameworkStatus.AWAITING_APPROVAL:
        raise ValidationError("Only a model awaiting approval can be returned to draft.")
    if not (access.authors_framework(by, model) or access.approves_framework(by, model)):
        raise PermissionDenied
    model.status, model.prepared_by, model.prepared_at = FrameworkStatus.DRAFT, None, None
    model.save()
    return model


@transaction.atomic
def maturity_model_publish(*, model: MaturityModel, by) -> MaturityModel:
    """The second key: someone other than the preparer publishes it, and providers may then score
    it. An earlier published version of the same model is closed: its rounds stay as they were."""
    model = MaturityModel.objects.select_for_update().get(pk=model.pk)
    if model.status != FrameworkStatus.AWAITING_APPROVAL:
        raise ValidationError("Only a model prepared for approval can be published.")
    if by.pk == model.prepared_by_id:
        raise ValidationError("A different person must publish the model from the one who prepared it.")
    if not access.approves_framework(by, model):
        raise PermissionDenied
    now = timezone.now()
    MaturityModel.objects.filter(lmns=model.lmns, slug=model.slug, status=FrameworkStatus.PUBLISHED).update(
        status=FrameworkStatus.CLOSED, closed_at=now
    )
    model.status, model.approved_by, model.published_at = FrameworkStatus.PUBLISHED, by, now
    model.save()
    return model


@transaction.atomic
def maturity_round_start(*, model: MaturityModel, provider, assessed_on: date, by) -> MaturityRound:
    """A round of ``provider`` (None: of the model's LMNS itself), with every domain unscored."""
    organisation = provider or model.lmns
    if not may_score(by, organisation):
        raise PermissionDenied
    if provider is not None and provider.lmns_id != model.lmns_id:
        raise ValidationError({"provider": "Select a provider of the model's LMNS."})
    if model.status not in {FrameworkStatus.DRAFT, FrameworkStatus.PUBLISHED}:
        raise ValidationError({"model": f"{model} is {model.get_status_display().lower()}: choose another."})
    if provider is not None and model.status != FrameworkStatus.PUBLISHED:
        raise ValidationError(
            {"model": "A provider scores a published model only: this one's wording is not yet agreed."}
        )
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": "The date of the round cannot be in the future."})
    if MaturityRound.objects.filter(
        model=model, provider=provider, lmns=model.lmns, assessed_on=assessed_on
    ).exists():
        raise ValidationError(
            {"assessed_on": f"{organisation} already has a round of this model on that day."}
        )
    round_ = MaturityRound(
        model=model, lmns=model.lmns, provider=provider, assessed_on=assessed_on, created_by=by
    )
    round_.full_clean()
    round_._history_user = by
    round_.save()
    bulk_create_with_history(
        [MaturityScore(round=round_, domain=domain, updated_by=by) for domain in model.domains.all()],
        MaturityScore,
        default_user=by,
    )
    return round_


def _locked(round_: MaturityRound) -> MaturityRound:
    # Locks the round's row only: PostgreSQL refuses FOR UPDATE on the nullable side of the
    # outer joins to its provider or LMNS (a round has one of the two).
    return (
        MaturityRound.objects.select_for_update(of=("self",))
        .select_related("model", "provider", "lmns")
        .get(pk=round_.pk)
    )


@transaction.atomic
def maturity_scores_update(*, round: MaturityRound, by, scores: dict[int, dict]) -> int:
    """Score domains: ``scores`` maps a score's id to its ``level`` (a level of the round's
    model, or None) and ``note``. All are saved, or none. Returns how many changed."""
    round_ = _locked(round)
    if not may_score(by, round_.organisation):
        raise PermissionDenied
    if not round_.is_editable:
        raise ValidationError("This round is submitted: its scores cannot change.")
    rows = {score.pk: score for score in round_.scores.select_related("domain").filter(pk__in=list(scores))}
    if set(scores) - set(rows):
        raise ValidationError("A score is not part of this round.")
    changed = 0
    for pk, values in scores.items():
        score, level, note = rows[pk], values["level"], values.get("note", "").strip()
        if level is not None and level.model_id != round_.model_id:
            raise ValidationError(f"{score.domain}: select a level of this model.")
        if (score.level_id, score.note) == (level.pk if level else None, note):
            continue
        score.level, score.note, score.updated_by = level, note, by
        score._history_user = by
        score.save()
        changed += 1
    return changed


@transaction.atomic
def maturity_round_submit(*, round: MaturityRound, by) -> MaturityRound:
    round_ = _locked(round)
    if not may_submit(by, round_.organisation):
        raise PermissionDenied
    if not round_.is_editable:
        raise ValidationError("This round is already submitted.")
    unscored = round_.scores.filter(level__isnull=True).count()
    if unscored:
        raise ValidationError(
            f"{unscored} domain{'s' if unscored != 1 else ''} not yet scored: "
            "score every domain before submitting."
        )
    round_.state, round_.submitted_by, round_.submitted_at = RoundState.SUBMITTED, by, timezone.now()
    round_._history_user = by
    round_.save()
    return round_
