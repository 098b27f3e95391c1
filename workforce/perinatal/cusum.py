"""The Bernoulli CUSUM behind the LMNS outcome signal: pure Python, testable by hand.

For each baby, the log-likelihood ratio of "the rate is ``rate_ratio`` times the reference"
against "the rate is the reference" is ln(p1/p0) for a death and ln((1 - p1)/(1 - p0)) for a
survivor (Steiner, Cook, Farewell and Treasure, 2000). A return gives a month's counts, not the
order of births within it, so the month's babies are added at once:

    W(m) = max(0, W(m - 1) + x ln(p1/p0) + (n - x) ln((1 - p1)/(1 - p0)))

which equals the per-baby CUSUM at each month's end. W signals when it reaches a threshold
(amber, then red) and then starts again from zero, so that one cluster opens one signal and
a later cluster is seen afresh.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CusumPoint:
    index: int
    deaths: int | None  # None: no return for the month
    births: int | None
    statistic: float  # W at the end of the month, before any reset
    level: str | None  # "amber", "red" or None: the threshold reached this month


def weights(reference_rate: float, rate_ratio: float = 2.0) -> tuple[float, float]:
    """What one death and one survivor add to W."""
    if not 0 < reference_rate < 1 or not 0 < reference_rate * rate_ratio < 1:
        raise ValueError("The reference rate, and that rate multiplied, must be between 0 and 1.")
    p0, p1 = reference_rate, reference_rate * rate_ratio
    return math.log(p1 / p0), math.log((1 - p1) / (1 - p0))


def cusum_statistics(
    months: Sequence[tuple[int, int] | None],
    *,
    reference_rate: float,
    amber: float,
    red: float,
    rate_ratio: float = 2.0,
) -> tuple[list[float], list[str | None]]:
    """W at the end of each of ``months`` of (deaths, births), oldest first, before any reset,
    and the threshold it reached ("amber", "red" or None); None for a month without a return,
    which leaves W where it was. Two plain lists: a point object for each month costs more than
    the arithmetic itself, and most months are never shown (bench/README.md)."""
    if not 0 < amber <= red:
        raise ValueError("Thresholds must be positive, amber no higher than red.")
    death, survivor = weights(reference_rate, rate_ratio)
    w, statistics, levels = 0.0, [], []
    for index, counts in enumerate(months):
        if counts is None:
            statistics.append(w)
            levels.append(None)
            continue
        deaths, births = counts
        if not 0 <= deaths <= births:
            raise ValueError(f"Month {index}: {deaths} deaths of {births} births.")
        w = max(0.0, w + deaths * death + (births - deaths) * survivor)
        level = "red" if w >= red else "amber" if w >= amber else None
        statistics.append(w)
        levels.append(level)
        if level:
            w = 0.0
    return statistics, levels


def bernoulli_cusum(
    months: Sequence[tuple[int, int] | None],
    *,
    reference_rate: float,
    amber: float,
    red: float,
    rate_ratio: float = 2.0,
) -> list[CusumPoint]:
    """W month by month for ``months`` of (deaths, births), oldest first; None for a month
    without a return, which leaves W where it was."""
    statistics, levels = cusum_statistics(
        months, reference_rate=reference_rate, amber=amber, red=red, rate_ratio=rate_ratio
    )
    return [
        CusumPoint(index, *(counts or (None, None)), statistics[index], levels[index])
        for index, counts in enumerate(months)
    ]
