"""Reads of maturity models and rounds: the grid of a model, and a round beside the round before
it (one definition of the change, used by the page and the workbook). Each runs a fixed number of
queries however many domains or levels a model has."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from assurance.maturity.models import (
    MaturityDescriptor,
    MaturityModel,
    MaturityRound,
    MaturityScore,
    RoundState,
)


def model_grid(model: MaturityModel):
    """The model's levels, and each domain with its descriptors in level order, in three queries."""
    levels = list(model.levels.all())
    cells = {
        (item.domain_id, item.level_id): item
        for item in MaturityDescriptor.objects.filter(domain__model=model)
    }
    rows = [
        (domain, [cells.get((domain.pk, level.pk)) for level in levels]) for domain in model.domains.all()
    ]
    return levels, rows


def descriptor_texts(model_id: int) -> dict[tuple[int, int], str]:
    """Each descriptor's text by (domain id, level id), in one query."""
    rows = MaturityDescriptor.objects.filter(domain__model_id=model_id)
    return {
        (domain, level): text for domain, level, text in rows.values_list("domain_id", "level_id", "text")
    }


def round_list(*, user):
    return MaturityRound.objects.visible_to(user).select_related("model", "provider", "lmns")


def previous_round(round_: MaturityRound) -> MaturityRound | None:
    """The organisation's last submitted round of the same model (any version) before this one."""
    return (
        MaturityRound.objects.filter(
            lmns_id=round_.lmns_id,
            provider_id=round_.provider_id,
            model__slug=round_.model.slug,
            state=RoundState.SUBMITTED,
            assessed_on__lt=round_.assessed_on,
        )
        .select_related("model")
        .order_by("-assessed_on", "-pk")
        .first()
    )


UP, DOWN, SAME, NEW = "up", "down", "same", "new"
CHANGE_LABELS = {UP: "Up", DOWN: "Down", SAME: "Same", NEW: "Not scored before"}


def _change(now: int | None, before: int | None) -> str | None:
    if now is None:
        return None
    if before is None:
        return NEW
    return UP if now > before else DOWN if now < before else SAME


@dataclass(frozen=True)
class DomainRow:
    score: MaturityScore
    descriptor: str
    previous_level: object  # a MaturityLevel of the previous round, or None
    change: str | None

    @property
    def change_label(self) -> str:
        return CHANGE_LABELS.get(self.change, "")


@dataclass(frozen=True)
class Comparison:
    previous: MaturityRound | None
    rows: list[DomainRow]
    mean: Decimal | None
    previous_mean: Decimal | None

    @property
    def overall_change(self) -> str | None:
        if self.mean is None:
            return None
        if self.previous_mean is None:
            return NEW
        return UP if self.mean > self.previous_mean else DOWN if self.mean < self.previous_mean else SAME

    @property
    def overall_label(self) -> str:
        return CHANGE_LABELS.get(self.overall_change, "")

    def count(self, change: str) -> int:
        return sum(1 for row in self.rows if row.change == change)

    @property
    def ups(self) -> int:
        return self.count(UP)

    @property
    def downs(self) -> int:
        return self.count(DOWN)

    @property
    def sames(self) -> int:
        return self.count(SAME)


def mean_level(levels: list[int]) -> Decimal | None:
    """The mean level of the domains scored, to one decimal place (half up); None if none is."""
    if not levels:
        return None
    return (Decimal(sum(levels)) / len(levels)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def round_comparison(round_: MaturityRound) -> Comparison:
    """Each domain's level now and in the previous round, matched by domain code (so a round of a
    new version compares with the last version's), and the mean level of each, in four queries."""
    scores = list(round_.scores.select_related("domain", "level").order_by("domain__order"))
    descriptors = descriptor_texts(round_.model_id)
    previous = previous_round(round_)
    before = {}
    if previous is not None:
        before = {
            score.domain.code: score.level
            for score in previous.scores.select_related("domain", "level").filter(level__isnull=False)
        }
    rows = []
    for score in scores:
        earlier = before.get(score.domain.code)
        rows.append(
            DomainRow(
                score=score,
                descriptor=descriptors.get((score.domain_id, score.level_id), "") if score.level_id else "",
                previous_level=earlier,
                change=_change(
                    score.level.number if score.level else None, earlier.number if earlier else None
                ),
            )
        )
    return Comparison(
        previous=previous,
        rows=rows,
        mean=mean_level([s.level.number for s in scores if s.level]),
        previous_mean=mean_level([level.number for level in before.values()]) if previous else None,
    )
