"""Reads of training figures that carry rules: the month-on-month check by staff group, each
module's lowest staff group over many returns at once, and the rate each module is rated against."""

from datetime import timedelta
from decimal import Decimal

from lmns.months import add_months
from lmns.thresholds import thresholds_for
from workforce.models import TrainingModule, WorkforceReturn, rate_of
from workforce.training.models import TrainingFigure

# Percentage points a group's rate may move in a month without the submitter confirming it.
TRAINING_JUMP = Decimal(20)


def module_targets(*, workforce_return: WorkforceReturn) -> dict[str, Decimal]:
    """Each module's target for a return: the amber line of its LMNS's threshold in force at the
    end of the return's month, as the return's page flags the groups below it."""
    lmns_id = workforce_return.provider.lmns_id
    on = add_months(workforce_return.month, 1) - timedelta(days=1)
    thresholds = thresholds_for(lmns_ids={lmns_id}, on=on)[lmns_id]
    return {module: thresholds[f"{module}_rate"].amber for module in TrainingModule.values}


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


def lowest_groups(returns) -> dict[tuple[int, str], tuple[Decimal, str]]:
    """(return pk, module) -> (rate, staff group name) of each module's lowest staff group in each
    of ``returns`` (a WorkforceReturn queryset), as ``ModuleCompliance`` rates a return: in one
    query of plain values, each figure's rate worked out once. A module with no group that has
    staff in scope is left out: it has no rate and no name.
    """
    lowest = {}
    for return_id, module, in_scope, compliant, position, name in (
        TrainingFigure.objects.filter(workforce_return__in=returns)
        .values_list(
            "workforce_return",
            "module",
            "in_scope",
            "compliant",
            "staff_group__position",
            "staff_group__name",
        )
        .order_by()
    ):
        rate = rate_of(compliant, in_scope)
        if rate is None:
            continue
        # Ties go to the group that comes first in group order (position, then name), as in
        # ModuleCompliance.lowest, which takes the first lowest of the figures in that order.
        ranked = (rate, position, name)
        held = lowest.get((return_id, module))
        if held is None or ranked < held:
            lowest[return_id, module] = ranked
    return {key: (rate, name) for key, (rate, _, name) in lowest.items()}
