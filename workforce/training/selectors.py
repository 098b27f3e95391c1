"""Reads of training figures that carry rules: the month-on-month check by staff group."""

from decimal import Decimal

from workforce.models import WorkforceReturn, add_months
from workforce.training.models import TrainingFigure

# Percentage points a group's rate may move in a month without the submitter confirming it.
TRAINING_JUMP = Decimal(20)


def training_flags(*, workforce_return: WorkforceReturn, figures: list[TrainingFigure]) -> list[str]:
    """Groups whose compliance with a module moved implausibly far since the previous month."""
    previous_month = add_months(workforce_return.month, -1)
    before = {
        (figure.module, figure.staff_group_id): figure
        for figure in TrainingFigure.objects.filter(
            workforce_return__provider_id=workforce_return.provider_id,
            workforce_return__month=previous_month,
        )
    }
    flags = []
    for figure in figures:
        earlier = before.get((figure.module, figure.staff_group.pk))
        now, then = figure.rate, earlier.rate if earlier else None
        if now is not None and then is not None and abs(now - then) > TRAINING_JUMP:
            flags.append(
                f"Training: {figure.described}: {_percent(then)} in {previous_month:%B %Y}, "
                f"{_percent(now)} now."
            )
    return flags


def _percent(value: Decimal) -> str:
    value = value.normalize() if value == value.to_integral() else value
    return f"{value:f}%"
