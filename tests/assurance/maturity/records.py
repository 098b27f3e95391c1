"""Maturity models and rounds for tests, and for the access matrix one per LMNS or provider, made
on first use so tests/conftest.py's World needs no change."""

from datetime import date

from django.utils import timezone

from assurance.maturity import services
from assurance.maturity.files import MODELS_DIR, load_model, parse_model_file
from assurance.maturity.models import MaturityModel, MaturityRound
from assurance.models import FrameworkStatus

LLS_FILE = MODELS_DIR / "lls-maturity.yaml"


def make_model(lmns, *, status=FrameworkStatus.DRAFT, version=None) -> MaturityModel:
    """The shipped local learning system model loaded for ``lmns``, put in ``status`` directly (the
    two keys are tested in test_services)."""
    data = parse_model_file(LLS_FILE)
    if version:
        data = data.__class__(**{**data.__dict__, "version": version})
    model, _ = load_model(data, lmns=lmns)
    if status != model.status:
        model.status = status
        model.published_at = timezone.now() if status == FrameworkStatus.PUBLISHED else None
        model.save()
    return model


def score_all(round_, *, by, levels: dict[str, int], note: str = "") -> None:
    """Score each domain (by code) at the level of that number."""
    by_number = {level.number: level for level in round_.model.levels.all()}
    services.maturity_scores_update(
        round=round_,
        by=by,
        scores={
            score.pk: {"level": by_number.get(levels.get(score.domain.code)), "note": note}
            for score in round_.scores.select_related("domain")
        },
    )


def maturity_record(kind: str):
    """URL kwargs for the matrix: ``draft`` is the provider's LMNS's draft model; ``round`` a round
    of the provider on its LMNS's published model."""

    def kwargs(world, provider) -> dict:
        records = world.records.setdefault(("maturity", provider.lmns_id), {})
        status = FrameworkStatus.DRAFT if kind == "draft" else FrameworkStatus.PUBLISHED
        model = records.get(status)
        # A record made by an earlier test is gone once that test's transaction rolled back.
        if model is None or not MaturityModel.objects.filter(pk=model.pk).exists():
            model = records[status] = make_model(provider.lmns, status=status, version=f"v-{status}")
        if kind == "draft":
            return {"pk": model.pk}
        round_ = MaturityRound.objects.filter(model=model, provider=provider).first()
        if round_ is None:
            round_ = services.maturity_round_start(
                model=model, provider=provider, assessed_on=date(2026, 6, 1), by=world.personas["superuser"]
            )
        return {"pk": round_.pk}

    return kwargs
