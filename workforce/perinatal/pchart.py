"""p-charts for rates with a denominator (stillbirths per 1,000 births and the like).

Making Data Count advises a p-chart, not an XmR chart, for a proportion whose denominator
varies: the centre line is the pooled rate over the window, and each month's limits are
3 standard errors of a binomial proportion with that month's denominator, so a small month
gets wide limits and a large one narrow limits. The result is an ``lmns.spc.SpcResult`` with
one phase per month, so that ``lmns.spc_chart.spc_svg`` draws the stepped limits as it draws
any chart, with the same accessible title, description and markers.

Rules: a point outside its limits; 7 or more points in a row on one side of the centre line.
"""

import math
from collections.abc import Sequence

from lmns.spc import (
    Assurance,
    Direction,
    Phase,
    Rule,
    SpcPoint,
    SpcResult,
    Variation,
    format_number,
)

RUN_LENGTH = 7
_VARIATIONS = {
    ("improvement", "high"): Variation.IMPROVING_HIGH,
    ("improvement", "low"): Variation.IMPROVING_LOW,
    ("concern", "high"): Variation.CONCERN_HIGH,
    ("concern", "low"): Variation.CONCERN_LOW,
    ("neither", "high"): Variation.NEITHER_HIGH,
    ("neither", "low"): Variation.NEITHER_LOW,
}


def limits(pooled: float, denominator: int) -> tuple[float, float]:
    """3-sigma binomial limits for one month, as proportions; the lower limit is not below 0."""
    sigma = math.sqrt(pooled * (1 - pooled) / denominator)
    return max(0.0, pooled - 3 * sigma), min(1.0, pooled + 3 * sigma)


def p_chart(
    counts: Sequence[tuple[int, int] | None],
    *,
    direction: Direction | str = Direction.LOWER_IS_BETTER,
    per: int = 1000,
    unit_words: str = "per 1,000",
) -> SpcResult:
    """A p-chart of months of (events, denominator), oldest first, None for no figures; values
    and limits are scaled by ``per`` (1,000 for a rate per 1,000, 100 for a percentage)."""
    direction = Direction(direction)
    present = [i for i, c in enumerate(counts) if c is not None and c[1] > 0]
    events = sum(counts[i][0] for i in present)
    total = sum(counts[i][1] for i in present)
    if not present:
        return SpcResult(
            points=tuple(SpcPoint(i, None) for i in range(len(counts))),
            phases=(),
            variation=Variation.COMMON_CAUSE,
            assurance=Assurance.NONE,
            is_run_chart=True,
            median=None,
            summary="No figures to chart.",
            direction=direction,
        )
    pooled = events / total
    phases, sides, outside = [], {}, set()
    for i in present:
        x, n = counts[i]
        lower, upper = limits(pooled, n)
        phases.append(Phase(i, i + 1, pooled * per, lower * per, upper * per, 0.0, len(present)))
        p = x / n
        sides[i] = 0 if p == pooled else (1 if p > pooled else -1)
        if p > upper or p < lower:
            outside.add(i)
    rules: dict[int, dict[Rule, tuple[str, int]]] = {}
    for i in outside:
        rules.setdefault(i, {})[Rule.OUTSIDE_LIMITS] = ("high" if sides[i] > 0 else "low", 1)
    # Runs on one side of the centre line; a point on it breaks the run.
    run: list[int] = []
    for i in [*present, None]:
        if i is not None and sides[i] != 0 and (not run or sides[run[-1]] == sides[i]):
            run.append(i)
            continue
        if len(run) >= RUN_LENGTH:
            for j in run:
                rules.setdefault(j, {})[Rule.SHIFT] = ("high" if sides[j] > 0 else "low", len(run))
        run = [i] if i is not None and sides[i] != 0 else []
    points = tuple(_point(i, counts, rules.get(i, {}), direction, per) for i in range(len(counts)))
    latest = points[present[-1]]
    variation = _VARIATIONS[(latest.signal, latest.side)] if latest.signal else Variation.COMMON_CAUSE
    return SpcResult(
        points=points,
        phases=tuple(phases),
        variation=variation,
        assurance=Assurance.NONE,
        is_run_chart=False,
        median=None,
        summary=_summary(pooled * per, events, total, latest, rules.get(latest.index, {}), unit_words),
        direction=direction,
    )


def _point(i, counts, rules, direction, per) -> SpcPoint:
    if counts[i] is None or counts[i][1] <= 0:
        return SpcPoint(i, None)
    value = counts[i][0] / counts[i][1] * per
    if not rules:
        return SpcPoint(i, value)
    side = next(rules[r][0] for r in Rule if r in rules)
    if direction is Direction.NEUTRAL:
        signal = "neither"
    else:
        good = "high" if direction is Direction.HIGHER_IS_BETTER else "low"
        signal = "improvement" if side == good else "concern"
    return SpcPoint(i, value, frozenset(rules), signal, side)


def _summary(centre, events, total, latest, rules, unit_words) -> str:
    parts = [
        f"p-chart: pooled rate {format_number(centre)} {unit_words} ({events:,} of {total:,}); "
        "each month's limits depend on its own denominator."
    ]
    if latest.signal:
        rule = next(r for r in Rule if r in rules)
        side, length = rules[rule]
        detail = (
            f"{'above the upper' if side == 'high' else 'below the lower'} limit for its denominator"
            if rule is Rule.OUTSIDE_LIMITS
            else f"{length} points in a row {'above' if side == 'high' else 'below'} the centre line"
        )
        kind = {"improvement": "of improvement", "concern": "of concern"}.get(latest.signal, "")
        parts.append(f"The latest point is a special cause {kind}: {detail}.".replace("  ", " "))
    else:
        parts.append("The latest point shows common cause variation.")
    return " ".join(parts)
