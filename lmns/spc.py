"""Statistical process control for monthly measures, as NHS England's Making Data Count does it.

Pure Python (no Django, no numpy) so it can be tested against worked examples and reused by
the quality view, the board pack and the snapshot task. See ``../shared/domain.md`` section 8.

Choices where the sources leave room, matching the R package NHSRplotthedots unless noted:

- Missing values (``None`` or NaN) are skipped: the moving ranges and the rules run over the
  points that are present, in order, so a month with no return neither breaks a run nor loses
  a moving range. (NHSRplotthedots drops the two moving ranges next to a gap instead; for an
  in-control process x[i] - x[i-2] has the same spread as x[i] - x[i-1], so we keep it.)
- The lower limit is not clipped at zero: a negative limit tells the reader that zero is within
  common cause variation, and clipping would hide that. Pass ``floor=0`` for a measure that
  cannot go below zero and where a clipped line reads better.
- Each phase (see ``recalculate_at``) has its own baseline, limits and runs; no rule crosses
  a recalculation.
- Rule 2 (shift): a point exactly on the centre line breaks the run.
- Rule 3 (trend): equal consecutive values break the run (neither increasing nor decreasing).
- Rule 4 (two of three): the outer third runs from two thirds of the way to the limit up to and
  including the limit; a point beyond the limit is rule 1's and does not count. The third point
  may be anywhere (NHSRplotthedots also wants it on the same side of the mean).
- A point exactly on a limit is inside it.

Below ``minimum_points`` the chart is a run chart and the run-chart rules apply instead (as NHS
England's run-chart guidance and Perla, Provost and Murray, "The run chart", BMJ Qual Saf 2011
teach them; recalled, not checked against a stored copy):

- Shift: 6 or more points in a row above, or below, the median. A point on the median is
  skipped: it neither breaks nor adds to the run.
- Trend: 5 or more points in a row going up, or down. A repeated value is counted once.
- Runs: a run is a series of points on one side of the median. Too few or too many runs for the
  number of points off the median signal a non-random pattern; counted from 10 such points.
  The limits come from the exact distribution of the number of runs (Swed and Eisenhart),
  2.5% in each tail, rather than a printed table: Perla's table rounds the same test and differs
  from it by one run at a few sizes.
- Astronomical point: a point plainly unlike the rest. The guidance leaves it to judgement; here
  it is a point beyond Tukey's "far out" fences (3 interquartile ranges past the quartiles), from
  5 points and only when the middle half of the points is not all one value.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from math import comb
from statistics import fmean, median, quantiles
from typing import Literal

# 3 / d2, where d2 = 1.128 is the expected range of two normal points in sigma units.
LIMIT_FACTOR = 2.66
DEFAULT_BASELINE = 20
RUN_CHART_SHIFT = 6
RUN_CHART_TREND = 5
RUNS_MINIMUM_POINTS = 10
RUNS_TAIL = 0.025
ASTRONOMICAL_FENCE = 3
ASTRONOMICAL_MINIMUM_POINTS = 5

Signal = Literal["improvement", "concern", "neither"]
Side = Literal["high", "low"]


class _Labelled(StrEnum):
    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"
    NEUTRAL = "neutral"


class Rule(StrEnum):
    # Declaration order is the priority when a point's patterns disagree about high or low.
    OUTSIDE_LIMITS = "outside_limits"
    ASTRONOMICAL = "astronomical"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three"
    SHIFT = "shift"


class Variation(_Labelled):
    COMMON_CAUSE = "common_cause", "Common cause variation"
    IMPROVING_HIGH = "improving_high", "Special cause variation: improving (high)"
    IMPROVING_LOW = "improving_low", "Special cause variation: improving (low)"
    CONCERN_HIGH = "concern_high", "Special cause variation: concerning (high)"
    CONCERN_LOW = "concern_low", "Special cause variation: concerning (low)"
    NEITHER_HIGH = "neither_high", "Special cause variation: neither improving nor concerning (high)"
    NEITHER_LOW = "neither_low", "Special cause variation: neither improving nor concerning (low)"


class Assurance(_Labelled):
    PASS = "pass", "Consistently passes the target"
    FAIL = "fail", "Consistently fails the target"
    HIT_AND_MISS = "hit_and_miss", "Hit and miss: the target will sometimes be met and sometimes missed"
    NONE = "none", "No target"


_VARIATIONS = {
    ("improvement", "high"): Variation.IMPROVING_HIGH,
    ("improvement", "low"): Variation.IMPROVING_LOW,
    ("concern", "high"): Variation.CONCERN_HIGH,
    ("concern", "low"): Variation.CONCERN_LOW,
    ("neither", "high"): Variation.NEITHER_HIGH,
    ("neither", "low"): Variation.NEITHER_LOW,
}


@dataclass(frozen=True)
class SpcPoint:
    index: int
    value: float | None
    rules: frozenset[str] = frozenset()
    signal: Signal | None = None
    side: Side | None = None  # which way the point's special cause points


@dataclass(frozen=True)
class Phase:
    start: int  # index of the first point
    end: int  # index after the last point
    mean: float
    lower: float
    upper: float
    mean_moving_range: float
    baseline_points: int


@dataclass(frozen=True)
class Runs:
    count: int
    lower: int  # fewer runs than this signals
    upper: int  # more runs than this signals

    @property
    def signal(self) -> Literal["too_few", "too_many"] | None:
        if self.count < self.lower:
            return "too_few"
        if self.count > self.upper:
            return "too_many"
        return None


@dataclass(frozen=True)
class SpcResult:
    points: tuple[SpcPoint, ...]
    phases: tuple[Phase, ...]  # empty for a run chart
    variation: Variation
    assurance: Assurance
    is_run_chart: bool
    median: float | None
    summary: str
    reason: str = ""
    direction: Direction = Direction.NEUTRAL
    target: float | None = None
    runs: Runs | None = None  # a run chart's count of runs about the median, when judged

    def phase_at(self, index: int) -> Phase | None:
        return next((p for p in self.phases if p.start <= index < p.end), None)


# rule -> (side, how many points make up the pattern), per point index
_Marks = dict[int, dict[Rule, tuple[Side, int]]]


def xmr(
    values: Sequence[float | None],
    *,
    direction: Direction | str,
    target: float | None = None,
    baseline: int | None = None,
    recalculate_at: int | None = None,
    run_length: int = 7,
    minimum_points: int = 15,
    floor: float | None = None,
) -> SpcResult:
    """XmR chart of ``values`` (one per period, ``None`` where missing).

    ``baseline``: how many present points of each phase set its mean and limits (default 20).
    ``recalculate_at``: index of the first point after a real process change; limits are
    recomputed from there. It is ignored, with a note in ``reason``, if either phase would have
    fewer than two points.
    """
    direction = Direction(direction)
    baseline = DEFAULT_BASELINE if baseline is None else baseline
    if baseline < 2 or run_length < 2:
        raise ValueError("baseline and run_length must be at least 2")
    ys = [None if v is None or math.isnan(v) else float(v) for v in values]
    present = [i for i, y in enumerate(ys) if y is not None]
    if not present:
        points = tuple(SpcPoint(i, None) for i in range(len(ys)))
        return SpcResult(
            points=points,
            phases=(),
            variation=Variation.COMMON_CAUSE,
            assurance=Assurance.NONE,
            is_run_chart=True,
            median=None,
            summary="No data to chart.",
            direction=direction,
            target=target,
        )

    notes = []
    centre = median(ys[i] for i in present)
    is_run_chart = len(present) < minimum_points
    if is_run_chart:
        phases: tuple[Phase, ...] = ()
        notes.append(
            f"Fewer than {minimum_points} points: shown as a run chart; limits are not yet reliable."
        )
        marks = _run_marks(ys, present, centre)
        runs = _runs_about(ys, present, centre)
    else:
        runs = None
        phases = tuple(
            _phase(ys, start, end, baseline, floor) for start, end in _bounds(ys, recalculate_at, notes)
        )
        marks = {}
        for phase in phases:
            marks.update(_xmr_marks(ys, phase, run_length))
        # A single phase has at least minimum_points; after a recalculation either may be short.
        for phase in phases:
            if _count(ys, phase.start, phase.end) < minimum_points:
                notes.append(
                    f"Limits from point {phase.start + 1} rest on fewer than {minimum_points} points "
                    "and are provisional."
                )

    points = tuple(_point(i, y, marks.get(i, {}), direction) for i, y in enumerate(ys))
    latest = points[present[-1]]
    # Making Data Count judges a measure by where it is now: the icon shows the latest point's
    # special cause if it has one, else common cause (earlier special causes are history).
    variation = _VARIATIONS[(latest.signal, latest.side)] if latest.signal else Variation.COMMON_CAUSE
    assurance = _assurance(phases[-1], target, direction) if phases else Assurance.NONE
    reason = " ".join(notes)
    summary = _summary(
        phases, centre, latest, marks.get(latest.index, {}), assurance, target, direction, reason, runs
    )
    return SpcResult(
        points, phases, variation, assurance, is_run_chart, centre, summary, reason, direction, target, runs
    )


def _count(ys, start, end) -> int:
    return sum(y is not None for y in ys[start:end])


def _bounds(ys, recalculate_at, notes) -> list[tuple[int, int]]:
    n = len(ys)
    if recalculate_at is None:
        return [(0, n)]
    if 0 < recalculate_at < n and min(_count(ys, 0, recalculate_at), _count(ys, recalculate_at, n)) >= 2:
        return [(0, recalculate_at), (recalculate_at, n)]
    notes.append(f"Recalculation at point {recalculate_at + 1} ignored: each phase needs at least 2 points.")
    return [(0, n)]


def _phase(ys, start, end, baseline, floor) -> Phase:
    base = [y for y in ys[start:end] if y is not None][:baseline]
    mean = fmean(base)
    ranges = [abs(b - a) for a, b in pairwise(base)]
    mean_mr = fmean(ranges) if ranges else 0.0
    lower = mean - LIMIT_FACTOR * mean_mr
    if floor is not None:
        lower = max(lower, floor)
    return Phase(start, end, mean, lower, mean + LIMIT_FACTOR * mean_mr, mean_mr, len(base))


def _runs(keys: Sequence[int]) -> Iterator[tuple[int, int, int]]:
    """(first, last, key) of each maximal run of equal, non-zero keys."""
    first = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[first]:
            if keys[first]:
                yield first, i - 1, keys[first]
            first = i


def _side(sign: int) -> Side:
    return "high" if sign > 0 else "low"


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _run_rules(idx, vals, centre, run_length, marks: _Marks) -> None:
    """Rules 2 (shift about ``centre``) and 3 (trend) over the present points of one phase."""
    for first, last, key in _runs([_sign(v - centre) for v in vals]):
        if last - first + 1 >= run_length:
            for j in range(first, last + 1):
                marks.setdefault(idx[j], {})[Rule.SHIFT] = (_side(key), last - first + 1)
    # Key j is the step from point j to j + 1, so a run of steps [first, last] spans points
    # first to last + 1.
    for first, last, key in _runs([_sign(b - a) for a, b in pairwise(vals)]):
        if last - first + 2 >= run_length:
            for j in range(first, last + 2):
                marks.setdefault(idx[j], {})[Rule.TREND] = (_side(key), last - first + 2)


def _run_marks(ys, present, centre) -> _Marks:
    """The run-chart rules' shift, trend and astronomical points (see the module's docstring)."""
    marks: _Marks = {}
    off = [i for i in present if ys[i] != centre]
    for first, last, key in _runs([_sign(ys[i] - centre) for i in off]):
        if last - first + 1 >= RUN_CHART_SHIFT:
            for i in present:
                if off[first] <= i <= off[last] and ys[i] != centre:
                    marks.setdefault(i, {})[Rule.SHIFT] = (_side(key), last - first + 1)
    counted = [i for k, i in enumerate(present) if k == 0 or ys[i] != ys[present[k - 1]]]
    for first, last, key in _runs([_sign(ys[b] - ys[a]) for a, b in pairwise(counted)]):
        if last - first + 2 >= RUN_CHART_TREND:
            for i in present:
                if counted[first] <= i <= counted[last + 1]:
                    marks.setdefault(i, {})[Rule.TREND] = (_side(key), last - first + 2)
    if len(present) >= ASTRONOMICAL_MINIMUM_POINTS:
        q1, _, q3 = quantiles([ys[i] for i in present], n=4, method="inclusive")
        if q3 > q1:
            fence = ASTRONOMICAL_FENCE * (q3 - q1)
            for i in present:
                if ys[i] > q3 + fence or ys[i] < q1 - fence:
                    marks.setdefault(i, {})[Rule.ASTRONOMICAL] = (_side(_sign(ys[i] - centre)), 1)
    return marks


def _runs_about(ys, present, centre) -> Runs | None:
    """How many runs the points make about the median, and how many chance allows."""
    sides = [_sign(ys[i] - centre) for i in present if ys[i] != centre]
    if len(sides) < RUNS_MINIMUM_POINTS:
        return None
    count = 1 + sum(a != b for a, b in pairwise(sides))
    above = sides.count(1)
    lower, upper = runs_limits(above, len(sides) - above)
    return Runs(count, lower, upper)


def runs_limits(above: int, below: int) -> tuple[int, int]:
    """The fewest and the most runs that chance explains for ``above`` and ``below`` points, with
    at most ``RUNS_TAIL`` of the probability in each tail beyond them."""
    total = comb(above + below, above)

    def ways(r: int) -> int:
        k = r // 2
        if r % 2 == 0:
            return 2 * comb(above - 1, k - 1) * comb(below - 1, k - 1)
        return comb(above - 1, k - 1) * comb(below - 1, k) + comb(above - 1, k) * comb(below - 1, k - 1)

    if not above or not below:
        return 1, 1
    possible = range(2, above + below + 1)
    p = {r: ways(r) / total for r in possible}
    lower = next(r for r in possible if sum(p[x] for x in possible if x <= r) >= RUNS_TAIL)
    upper = next(r for r in reversed(possible) if sum(p[x] for x in possible if x >= r) >= RUNS_TAIL)
    return lower, upper


def _xmr_marks(ys, phase: Phase, run_length) -> _Marks:
    idx = [i for i in range(phase.start, phase.end) if ys[i] is not None]
    vals = [ys[i] for i in idx]
    marks: _Marks = {}
    for i, v in zip(idx, vals, strict=True):
        if v > phase.upper or v < phase.lower:
            marks.setdefault(i, {})[Rule.OUTSIDE_LIMITS] = (_side(_sign(v - phase.mean)), 1)
    _run_rules(idx, vals, phase.mean, run_length, marks)

    # The outer third is measured on the unclipped limits so that a floor does not move it.
    two_thirds = 2 / 3 * LIMIT_FACTOR * phase.mean_moving_range
    near = [
        1
        if phase.mean + two_thirds < v <= phase.upper
        else -1
        if phase.lower <= v < phase.mean - two_thirds
        else 0
        for v in vals
    ]
    for k in range(len(vals) - 2):
        window = near[k : k + 3]
        for key in (1, -1):
            # Counted before the hits are listed: most windows have none (the LMNS overview
            # charts 15 measures a provider, so this loop runs thousands of times a page).
            if window.count(key) >= 2:
                hits = [j for j in range(k, k + 3) if near[j] == key]
                for j in hits:
                    marks.setdefault(idx[j], {})[Rule.TWO_OF_THREE] = (_side(key), len(hits))
    return marks


def _point(i, y, rules: dict[Rule, tuple[Side, int]], direction) -> SpcPoint:
    if not rules:
        return SpcPoint(i, y)
    side = next(rules[r][0] for r in Rule if r in rules)
    if direction is Direction.NEUTRAL:
        signal: Signal = "neither"
    else:
        good = "high" if direction is Direction.HIGHER_IS_BETTER else "low"
        signal = "improvement" if side == good else "concern"
    return SpcPoint(i, y, frozenset(rules), signal, side)


def _assurance(phase: Phase, target, direction) -> Assurance:
    # A neutral measure has no good side, so a target cannot be passed or failed.
    if target is None or direction is Direction.NEUTRAL:
        return Assurance.NONE
    if phase.lower <= target <= phase.upper:
        return Assurance.HIT_AND_MISS
    # Target above the whole process: every point is below it.
    below_target_is_good = direction is Direction.LOWER_IS_BETTER
    return Assurance.PASS if (target > phase.upper) == below_target_is_good else Assurance.FAIL


def format_number(x: float, decimals: int | None = None) -> str:
    """``x`` to ``decimals`` places (default: 3 significant figures), without trailing zeros."""
    if decimals is None:
        decimals = _decimals(abs(x))
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _decimals(magnitude: float) -> int:
    if magnitude == 0 or not math.isfinite(magnitude):
        return 0
    return min(6, max(0, 2 - math.floor(math.log10(magnitude))))


_SIGNAL_WORDS = {
    "improvement": "a special cause of improvement",
    "concern": "a special cause of concern",
    "neither": "a special cause (neither improvement nor concern)",
}


def _describe(rule: Rule, side: Side, length: int, centre_name: str) -> str:
    high = side == "high"
    return {
        Rule.OUTSIDE_LIMITS: "above the upper process limit" if high else "below the lower process limit",
        Rule.ASTRONOMICAL: f"an astronomical point, far {'above' if high else 'below'} the others",
        Rule.SHIFT: f"{length} points in a row {'above' if high else 'below'} the {centre_name}",
        Rule.TREND: f"{length} points in a row {'increasing' if high else 'decreasing'}",
        Rule.TWO_OF_THREE: f"{length} of 3 points in a row close to the {'upper' if high else 'lower'} "
        "process limit",
    }[rule]


def _summary(phases, centre, latest: SpcPoint, rules, assurance, target, direction, reason, runs=None) -> str:
    if phases:
        p = phases[-1]
        d = _decimals(max(abs(p.mean), abs(p.lower), abs(p.upper)))
        since = f" (recalculated from point {p.start + 1})" if p.start else ""
        parts = [
            f"Mean {format_number(p.mean, d)}; process limits {format_number(p.lower, d)} "
            f"to {format_number(p.upper, d)}{since}."
        ]
    else:
        parts = [f"Median {format_number(centre)}."]
    if reason:
        parts.append(reason)
    if latest.signal:
        rule = next(r for r in Rule if r in rules)
        side, length = rules[rule]
        detail = _describe(rule, side, length, "mean" if phases else "median")
        parts.append(f"The latest point is {_SIGNAL_WORDS[latest.signal]}: {detail}.")
    else:
        parts.append("The latest point shows common cause variation.")
    if runs is not None and runs.signal:
        parts.append(
            f"The points make {runs.count} runs above and below the median, "
            + (
                f"fewer than chance explains (at least {runs.lower})"
                if runs.signal == "too_few"
                else f"more than chance explains (at most {runs.upper})"
            )
            + ": a sign of a non-random pattern."
        )
    if target is not None and direction is not Direction.NEUTRAL:
        t = format_number(target)
        parts.append(
            {
                Assurance.PASS: f"The target of {t} is outside the process limits on the good side: "
                "the process consistently passes it.",
                Assurance.FAIL: f"The target of {t} is outside the process limits on the wrong side: "
                "the process consistently fails it.",
                Assurance.HIT_AND_MISS: f"The target of {t} is within the process limits: "
                "it will sometimes be met and sometimes missed.",
                Assurance.NONE: f"The target of {t} is not assessed until the limits are reliable.",
            }[assurance]
        )
    return " ".join(parts)
