"""SPC against worked examples computed by hand (arithmetic in the comments)."""

import random
import xml.etree.ElementTree as ET

import pytest

from lmns.spc import Assurance, Direction, Rule, Variation, xmr
from lmns.spc_chart import spc_svg

HIGHER, LOWER, NEUTRAL = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER, Direction.NEUTRAL
SVG = "{http://www.w3.org/2000/svg}"

# A quiet baseline of 20 points: 12, 10, 12, 10, ...
# mean = (10 * 12 + 10 * 10) / 20 = 11; every moving range is 2, so mean MR = 2;
# limits = 11 ± 2.66 * 2 = 11 ± 5.32 → 5.68 to 16.32;
# outer third: beyond 11 ± (2/3) * 5.32 = 11 ± 3.5467 → above 14.5467 or below 7.4533.
# It ends on 10 (below the mean) so an added run above the mean starts fresh.
QUIET = [12, 10] * 10


def rules_at(result, index):
    return result.points[index].rules


def flagged(result, rule):
    return [p.index for p in result.points if rule in p.rules]


# Limits


def test_limits_on_a_small_series():
    # 1, 3, 2, 4, 5: mean = 15 / 5 = 3; moving ranges 2, 1, 2, 1 → mean MR = 6 / 4 = 1.5;
    # limits = 3 ± 2.66 * 1.5 = 3 ± 3.99 → -0.99 to 6.99 (not clipped at zero).
    result = xmr([1, 3, 2, 4, 5], direction=HIGHER, minimum_points=5)
    (phase,) = result.phases
    assert phase.mean == pytest.approx(3)
    assert phase.mean_moving_range == pytest.approx(1.5)
    assert phase.lower == pytest.approx(-0.99)
    assert phase.upper == pytest.approx(6.99)
    assert not result.is_run_chart
    assert all(not p.rules for p in result.points)


def test_floor_clips_the_lower_limit():
    result = xmr([1, 3, 2, 4, 5], direction=HIGHER, minimum_points=5, floor=0)
    assert result.phases[0].lower == 0
    assert result.phases[0].upper == pytest.approx(6.99)


def test_quiet_baseline_limits_and_summary():
    result = xmr(QUIET, direction=HIGHER)
    (phase,) = result.phases
    assert (phase.mean, phase.lower, phase.upper) == pytest.approx((11, 5.68, 16.32))
    assert result.variation is Variation.COMMON_CAUSE
    # 16.32 to 3 significant figures is 16.3, so every number gets 1 decimal place.
    assert (
        result.summary
        == "Mean 11; process limits 5.7 to 16.3. The latest point shows common cause variation."
    )


def test_baseline_is_the_first_20_points_by_default():
    # Five points of 30 after the baseline do not move the mean (still 11) or the limits.
    result = xmr([*QUIET, 30, 30, 30, 30, 30], direction=HIGHER)
    assert (result.phases[0].mean, result.phases[0].upper) == pytest.approx((11, 16.32))
    assert result.phases[0].baseline_points == 20
    assert flagged(result, Rule.OUTSIDE_LIMITS) == [20, 21, 22, 23, 24]


def test_baseline_is_configurable():
    # Baseline 1, 3, 2, 4: mean = 10 / 4 = 2.5; ranges 2, 1, 2 → mean MR = 5 / 3;
    # upper = 2.5 + 2.66 * 5 / 3 = 2.5 + 4.4333 = 6.9333.
    result = xmr([1, 3, 2, 4] + [5] * 11, direction=HIGHER, baseline=4)
    assert result.phases[0].mean == pytest.approx(2.5)
    assert result.phases[0].upper == pytest.approx(6.9333, abs=1e-4)
    assert result.phases[0].baseline_points == 4


def test_all_equal_values_have_zero_width_limits_and_no_signals():
    result = xmr([5] * 20, direction=HIGHER)
    assert (result.phases[0].lower, result.phases[0].mean, result.phases[0].upper) == (5, 5, 5)
    assert all(not p.rules for p in result.points)


# Rule 1: outside the limits


def test_point_exactly_on_a_limit_is_inside():
    upper = xmr(QUIET, direction=HIGHER).phases[0].upper  # 16.32, as the code computes it
    on_limit = xmr([*QUIET, upper], direction=HIGHER)
    assert Rule.OUTSIDE_LIMITS not in rules_at(on_limit, 20)
    beyond = xmr([*QUIET, upper + 0.01], direction=HIGHER)
    assert rules_at(beyond, 20) == {Rule.OUTSIDE_LIMITS}


def test_point_below_the_lower_limit():
    # 5 < 5.68.
    result = xmr([*QUIET, 5], direction=HIGHER)
    assert rules_at(result, 20) == {Rule.OUTSIDE_LIMITS}
    assert result.points[20].side == "low"
    assert result.variation is Variation.CONCERN_LOW


# Rule 2: shift


def test_seven_points_above_the_mean_is_a_shift():
    # 13 is above the mean of 11 and well inside the outer third (< 14.5467).
    result = xmr([*QUIET, *[13] * 7], direction=HIGHER)
    assert flagged(result, Rule.SHIFT) == list(range(20, 27))
    assert result.variation is Variation.IMPROVING_HIGH
    assert result.summary == (
        "Mean 11; process limits 5.7 to 16.3. "
        "The latest point is a special cause of improvement: 7 points in a row above the mean."
    )


def test_six_points_above_the_mean_is_not_a_shift():
    result = xmr([*QUIET, *[13] * 6, 10], direction=HIGHER)
    assert flagged(result, Rule.SHIFT) == []


def test_run_length_is_a_setting():
    result = xmr([*QUIET, *[13] * 6, 10], direction=HIGHER, run_length=6)
    assert flagged(result, Rule.SHIFT) == list(range(20, 26))


def test_a_point_on_the_mean_breaks_a_shift():
    # 3 above, one exactly on the mean (11), 4 above: runs of 3 and 4, neither reaches 7.
    result = xmr([*QUIET, 13, 13, 13, 11, 13, 13, 13, 13], direction=HIGHER)
    assert flagged(result, Rule.SHIFT) == []


# Rule 3: trend


def test_seven_increasing_points_is_a_trend():
    # The 10 before 9 is a step down, so the rise starts at 9: 9 < 9.5 < 10 < 10.5 < 11.5 < 12 < 12.5.
    # No shift: 4 points below the mean then 3 above; no point in the outer third.
    result = xmr([*QUIET, 9, 9.5, 10, 10.5, 11.5, 12, 12.5], direction=HIGHER)
    assert flagged(result, Rule.TREND) == list(range(20, 27))
    assert flagged(result, Rule.SHIFT) == []
    assert result.variation is Variation.IMPROVING_HIGH
    assert result.summary.endswith("special cause of improvement: 7 points in a row increasing.")


def test_six_increasing_points_then_a_tie_is_not_a_trend():
    # 9 … 12 is six rising points; the seventh equals the sixth (12, 12) and is neither up nor down.
    result = xmr([*QUIET, 9, 9.5, 10, 10.5, 11.5, 12, 12], direction=HIGHER)
    assert flagged(result, Rule.TREND) == []


def test_a_tie_inside_a_rise_breaks_the_trend():
    # 9, 9.5, 10 | 10, 10.5, 11.5, 12, 12.5: the tie splits eight points into runs of 3 and 5.
    result = xmr([*QUIET, 9, 9.5, 10, 10, 10.5, 11.5, 12, 12.5], direction=HIGHER)
    assert flagged(result, Rule.TREND) == []


def test_a_falling_trend_is_improvement_when_lower_is_better():
    # 13 > 12.5 > 12 > 11.5 > 10.5 > 10 > 9.5: seven falling points, crossing the mean (3 above, 4 below).
    result = xmr([*QUIET, 13, 12.5, 12, 11.5, 10.5, 10, 9.5], direction=LOWER)
    assert flagged(result, Rule.TREND) == list(range(20, 27))
    assert result.points[26].signal == "improvement"
    assert result.variation is Variation.IMPROVING_LOW


# Rule 4: two of three in the outer third


def test_two_of_three_near_the_upper_limit():
    # 15 is in the upper outer third (14.5467 < 15 <= 16.32); 11 is not, but may sit between them.
    result = xmr([*QUIET, 15, 11, 15], direction=HIGHER)
    assert flagged(result, Rule.TWO_OF_THREE) == [20, 22]
    assert result.points[22].side == "high"
    assert result.variation is Variation.IMPROVING_HIGH


def test_two_near_points_four_apart_are_not_two_of_three():
    result = xmr([*QUIET, 15, 11, 11, 15], direction=HIGHER)
    assert flagged(result, Rule.TWO_OF_THREE) == []


def test_two_of_three_must_be_on_the_same_side():
    # 15 is in the upper outer third, 7 in the lower (5.68 <= 7 < 7.4533).
    result = xmr([*QUIET, 15, 7, 11], direction=HIGHER)
    assert flagged(result, Rule.TWO_OF_THREE) == []


def test_two_of_three_near_the_lower_limit():
    result = xmr([*QUIET, 7, 7], direction=HIGHER)
    assert flagged(result, Rule.TWO_OF_THREE) == [20, 21]
    assert result.variation is Variation.CONCERN_LOW


def test_a_point_beyond_the_limit_does_not_count_towards_two_of_three():
    # 17 > 16.32 is rule 1 only; 15 then has no partner in the outer third.
    result = xmr([*QUIET, 17, 15, 11], direction=HIGHER)
    assert flagged(result, Rule.TWO_OF_THREE) == []
    assert flagged(result, Rule.OUTSIDE_LIMITS) == [20]


# Direction and the variation icon


@pytest.mark.parametrize(
    ("direction", "signal", "variation"),
    [
        (HIGHER, "improvement", Variation.IMPROVING_HIGH),
        (LOWER, "concern", Variation.CONCERN_HIGH),
        (NEUTRAL, "neither", Variation.NEITHER_HIGH),
    ],
)
def test_direction_decides_improvement_or_concern(direction, signal, variation):
    result = xmr([*QUIET, 17], direction=direction)
    assert result.points[20].signal == signal
    assert result.variation is variation


def test_variation_is_judged_on_the_latest_point():
    # The special cause at 17 is history once a common-cause point follows it.
    result = xmr([*QUIET, 17, 11], direction=LOWER)
    assert result.points[20].signal == "concern"
    assert result.variation is Variation.COMMON_CAUSE


def test_direction_accepts_its_string_value():
    assert xmr([*QUIET, 17], direction="lower").variation is Variation.CONCERN_HIGH


def test_labels():
    assert Variation.CONCERN_HIGH.label == "Special cause variation: concerning (high)"
    assert Variation.CONCERN_HIGH == "concern_high"
    assert Assurance.PASS.label == "Consistently passes the target"


def test_trend_outranks_shift_when_they_disagree():
    # Seven points below the mean (shift low) that rise all the way (trend high): the trend decides.
    result = xmr([*QUIET, 7.6, 8, 8.5, 9, 9.5, 10, 10.5], direction=HIGHER)
    assert rules_at(result, 26) == {Rule.SHIFT, Rule.TREND}
    assert result.points[26].side == "high"
    assert result.variation is Variation.IMPROVING_HIGH


# Assurance (limits 5.68 to 16.32)


@pytest.mark.parametrize(
    ("direction", "target", "assurance"),
    [
        (HIGHER, 5, Assurance.PASS),  # every point is above 5
        (HIGHER, 20, Assurance.FAIL),  # every point is below 20
        (HIGHER, 11, Assurance.HIT_AND_MISS),
        (LOWER, 20, Assurance.PASS),
        (LOWER, 5, Assurance.FAIL),
        (NEUTRAL, 5, Assurance.NONE),  # a neutral measure has no good side
        (HIGHER, None, Assurance.NONE),
    ],
)
def test_assurance(direction, target, assurance):
    assert xmr(QUIET, direction=direction, target=target).assurance is assurance


def test_target_exactly_on_a_limit_is_hit_and_miss():
    upper = xmr(QUIET, direction=HIGHER).phases[0].upper
    assert xmr(QUIET, direction=HIGHER, target=upper).assurance is Assurance.HIT_AND_MISS


def test_assurance_summary():
    result = xmr(QUIET, direction=HIGHER, target=5)
    assert result.summary.endswith(
        "The target of 5 is outside the process limits on the good side: the process consistently passes it."
    )


# Run charts


def test_fewer_than_15_points_is_a_run_chart():
    # Sorted: 1, 1, 2, 3, 4, 5, 6, 9 → median = (3 + 4) / 2 = 3.5.
    result = xmr([3, 1, 4, 1, 5, 9, 2, 6], direction=HIGHER, target=2)
    assert result.is_run_chart
    assert result.median == 3.5
    assert result.phases == ()
    assert result.assurance is Assurance.NONE
    assert result.reason == "Fewer than 15 points: shown as a run chart; limits are not yet reliable."
    assert result.summary.startswith(
        "Median 3.5. Fewer than 15 points: shown as a run chart; limits are not yet reliable."
    )


def test_15_points_is_an_xmr_chart():
    assert not xmr(list(range(15)), direction=HIGHER).is_run_chart
    assert xmr(list(range(14)), direction=HIGHER).is_run_chart


def test_missing_points_do_not_count_towards_the_minimum():
    assert xmr([*range(14), None], direction=HIGHER).is_run_chart


def test_run_chart_shift_is_about_the_median():
    # Sorted: 1, 1, 1, 2, 2, 2, 3, 8, 8, 8, 9, 9, 9, 9 → median = (3 + 8) / 2 = 5.5;
    # the first seven are all below it and the last seven all above.
    result = xmr([1, 2, 1, 2, 1, 2, 3, 9, 8, 9, 8, 9, 8, 9], direction=HIGHER)
    assert result.median == 5.5
    assert flagged(result, Rule.SHIFT) == list(range(14))
    assert (result.points[0].signal, result.points[13].signal) == ("concern", "improvement")
    assert result.variation is Variation.IMPROVING_HIGH
    assert "7 points in a row above the median" in result.summary


# Recalculation


def test_recalculation_starts_a_new_phase():
    # Phase 1 (0-19): mean 11, limits 5.68 to 16.32. Phase 2 (20-39): 20, 22, …: mean 21, mean MR 2,
    # limits 21 ± 5.32 → 15.68 to 26.32. Judged against phase 1's mean instead, every point of phase 2
    # would be a special cause.
    values = QUIET + [20, 22] * 10
    result = xmr(values, direction=HIGHER, recalculate_at=20)
    first, second = result.phases
    assert (first.start, first.end, first.mean) == (0, 20, pytest.approx(11))
    assert (second.start, second.end) == (20, 40)
    assert (second.mean, second.lower, second.upper) == pytest.approx((21, 15.68, 26.32))
    assert all(not p.rules for p in result.points)
    assert result.phase_at(25) is second
    assert "(recalculated from point 21)" in result.summary
    assert flagged(xmr(values, direction=HIGHER), Rule.OUTSIDE_LIMITS) == list(range(20, 40))


def test_a_short_latest_phase_is_provisional():
    result = xmr(QUIET + [20, 22] * 5, direction=HIGHER, recalculate_at=20)
    assert "Limits from point 21 rest on fewer than 15 points and are provisional." in result.reason


def test_recalculation_leaving_one_point_is_ignored():
    result = xmr([*QUIET, 30], direction=HIGHER, recalculate_at=20)
    assert len(result.phases) == 1
    assert "Recalculation at point 21 ignored" in result.reason


# Missing values


def test_missing_values_are_skipped():
    # Same limits as 1, 3, 2, 4, 5 (mean 3, -0.99 to 6.99): the range is taken across the gap (1 → 3).
    result = xmr([1, None, 3, 2, 4, 5], direction=HIGHER, minimum_points=5)
    assert (result.phases[0].lower, result.phases[0].upper) == pytest.approx((-0.99, 6.99))
    assert result.points[1].value is None
    assert result.points[1].rules == frozenset()
    assert result.points[1].signal is None


def test_a_gap_does_not_break_a_run():
    result = xmr([*QUIET, 13, 13, 13, None, 13, 13, 13, 13], direction=HIGHER)
    assert flagged(result, Rule.SHIFT) == [20, 21, 22, 24, 25, 26, 27]


def test_variation_uses_the_latest_present_point():
    result = xmr([*QUIET, 17, None], direction=LOWER)
    assert result.variation is Variation.CONCERN_HIGH


def test_nan_is_missing():
    result = xmr([*QUIET, float("nan")], direction=HIGHER)
    assert result.points[20].value is None


@pytest.mark.parametrize("values", [[], [None, None], [5]])
def test_empty_and_single_point_series_do_not_crash(values):
    result = xmr(values, direction=HIGHER, target=3)
    assert len(result.points) == len(values)
    assert result.variation is Variation.COMMON_CAUSE
    assert result.assurance is Assurance.NONE
    assert result.summary
    ET.fromstring(spc_svg(result, labels=[str(i) for i in range(len(values))], title="Empty"))


def test_single_point_limits_with_a_minimum_of_one():
    result = xmr([5], direction=HIGHER, minimum_points=1)
    assert (result.phases[0].lower, result.phases[0].upper) == (5, 5)


# The chart


def parse(svg):
    return ET.fromstring(svg)


def markers(root):
    return [el for el in root.iter() if "spc-point" in el.get("class", "")]


def shape(root, point):
    """The tag of the marker a point's <use> places, drawn once in the chart's <defs>."""
    assert point.tag == f"{SVG}use"
    return root.find(f"{SVG}defs/*[@id='{point.get('href').removeprefix('#')}']").tag.removeprefix(SVG)


def test_svg_is_accessible_xml():
    result = xmr([*QUIET, 17], direction=LOWER, target=8)
    root = parse(spc_svg(result, labels=[f"M{i}" for i in range(21)], title="Term admissions", units="%"))
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Term admissions"
    assert desc.text == result.summary
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.find(".//*[@class='spc-target']") is not None
    assert len(root.findall(".//*[@class='spc-limit']")) == 2


def test_svg_escapes_labels_and_title():
    result = xmr([1, 2, 3], direction=HIGHER)
    svg = spc_svg(result, labels=["<script>alert(1)</script>", "A & B", 'say "hi"'], title="<b>T</b> & co")
    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "<b>T</b> & co"
    texts = {el.text for el in root.iter(f"{SVG}text")}
    assert {"<script>alert(1)</script>", "A & B", 'say "hi"'} <= texts


def test_svg_has_one_marker_per_present_point_shaped_by_signal():
    values = [*QUIET, 17, None, 5]
    result = xmr(values, direction=HIGHER)
    root = parse(spc_svg(result, labels=[str(i) for i in range(len(values))], title="T"))
    points = markers(root)
    assert len(points) == 22
    shapes = {el.get("class").split("--")[1]: shape(root, el) for el in points}
    assert shapes == {"common": "circle", "improvement": "rect", "concern": "polygon"}
    # Each shape is drawn once, for the points and the legend to place.
    assert [el.get("id") for el in root.find(f"{SVG}defs")] == [
        f"{root.find(f'{SVG}title').get('id').removesuffix('-title')}-{kind}"
        for kind in ("common", "improvement", "concern")
    ]


def test_svg_styles_by_class_not_by_attribute():
    # Colours, fonts and strokes live in app.css: per-element attributes were most of a chart's bytes.
    result = xmr([*QUIET, 17, 5], direction=HIGHER, target=8)
    root = parse(
        spc_svg(result, labels=[str(i) for i in range(22)], title="T", units="%", annotations=[(3, "A")])
    )
    styling = {"style", "fill", "stroke", "stroke-width", "stroke-dasharray", "font-family", "font-size"}
    assert not [el.tag for el in root.iter() if styling & set(el.attrib)]


def test_svg_run_chart_draws_the_median_and_no_limits():
    result = xmr([3, 1, 4], direction=NEUTRAL)
    root = parse(spc_svg(result, labels=["a", "b", "c"], title="T"))
    assert root.find(".//*[@class='spc-median']") is not None
    assert root.find(".//*[@class='spc-limit']") is None


def test_svg_marks_annotations_numbered_and_says_what_they_are():
    result = xmr([3, 1, 4, 1, 5, 9], direction=HIGHER)
    labels = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
    annotations = [(2, "PDSA cycle <new sticker>"), (4, "PDSA cycle audit"), (9, "outside the chart")]
    root = parse(spc_svg(result, labels=labels, title="T", annotations=annotations))
    lines = root.findall(".//*[@class='spc-annotation']")
    assert len(lines) == 2  # the one past the last point is left off
    texts = {el.text for el in root.iter(f"{SVG}text")}
    assert {"1", "2", "Change started (numbered)"} <= texts
    assert root.find(f"{SVG}desc").text == (
        f"{result.summary} Marked on the chart: 1: PDSA cycle <new sticker>, from Mar; "
        "2: PDSA cycle audit, from May."
    )


def test_svg_needs_a_label_per_point():
    with pytest.raises(ValueError):
        spc_svg(xmr([1, 2], direction=HIGHER), labels=["a"], title="T")


# Invariants over random series


def test_random_series_keep_the_invariants():
    rng = random.Random(20240607)
    for _ in range(300):
        n = rng.randint(0, 40)
        scale = rng.choice([0.01, 1, 100])
        values = [
            None if rng.random() < 0.1 else round(rng.gauss(10, 3) * scale, rng.randint(0, 2))
            for _ in range(n)
        ]
        kwargs = {
            "direction": rng.choice(list(Direction)),
            "target": rng.choice([None, rng.uniform(0, 20) * scale]),
            "recalculate_at": rng.choice([None, rng.randint(0, max(n, 1))]),
            "run_length": rng.randint(2, 8),
            "minimum_points": rng.choice([1, 15]),
        }
        result = xmr(values, **kwargs)
        assert [p.index for p in result.points] == list(range(n))
        for phase in result.phases:
            assert phase.lower <= phase.mean <= phase.upper
        for p in result.points:
            assert p.rules <= set(Rule)
            assert (p.signal is None) == (not p.rules)
            if p.value is None:
                assert not p.rules
        if result.variation is not Variation.COMMON_CAUSE:
            latest = next(p for p in reversed(result.points) if p.value is not None)
            assert latest.signal is not None
        root = parse(spc_svg(result, labels=[f"P{i}" for i in range(n)], title="Random"))
        assert len(markers(root)) == sum(v is not None for v in values)


# Run-chart rules, below 15 points: shift 6, trend 5, runs, astronomical point


def test_six_steadily_rising_points_signal_on_a_run_chart():
    # The SPC rules want 7; a run chart's trend is 5, so all six points are a trend.
    result = xmr([10, 11, 12, 13, 14, 15], direction=HIGHER)
    assert result.is_run_chart
    assert flagged(result, Rule.TREND) == list(range(6))
    assert result.variation is Variation.IMPROVING_HIGH
    assert "6 points in a row increasing" in result.summary


def test_a_run_chart_trend_is_five_and_counts_a_repeated_value_once():
    assert flagged(xmr([5, 1, 2, 3, 4, 0], direction=HIGHER), Rule.TREND) == []  # 4 rising
    rising = xmr([9, 1, 2, 3, 4, 5, 0], direction=HIGHER)
    assert flagged(rising, Rule.TREND) == [1, 2, 3, 4, 5]
    # 1, 2, 2, 3, 4, 5: the repeated 2 neither breaks the trend nor lengthens it.
    tied = xmr([9, 1, 2, 2, 3, 4, 5, 0], direction=HIGHER)
    assert flagged(tied, Rule.TREND) == [1, 2, 3, 4, 5, 6]
    assert tied.points[6].rules == {Rule.TREND}


def test_a_run_chart_shift_is_six_and_skips_points_on_the_median():
    # Six 1s, one 5 and six 9s: the median is 5. Above it: 9, 9, 9, (5 on the median), 9, 9, 9,
    # six points with the median point skipped.
    values = [1, 1, 1, 1, 1, 1, 9, 9, 9, 5, 9, 9, 9]
    result = xmr(values, direction=LOWER)
    assert result.median == 5
    assert flagged(result, Rule.SHIFT) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12]
    assert result.points[9].rules == frozenset()
    assert result.variation is Variation.CONCERN_HIGH
    assert "6 points in a row above the median" in result.summary
    # Five in a row is not enough on a run chart.
    assert flagged(xmr([1, 1, 1, 1, 9, 9, 9, 9, 9, 1], direction=LOWER), Rule.SHIFT) == []
    six = xmr([1, 1, 1, 1, 1, 9, 9, 9, 9, 9, 9, 1], direction=LOWER)
    assert flagged(six, Rule.SHIFT) == [5, 6, 7, 8, 9, 10]


def test_too_many_runs_signal_from_ten_points_off_the_median():
    # 3, 4 alternating: 12 points, 6 above and 6 below the median 3.5, make 12 runs; chance
    # explains at most 10 (P(12 runs) = 2 / C(12, 6) = 2 / 924, P(11 or more) = 12 / 924, both
    # under 2.5%; P(10 or more) = 62 / 924 is not).
    result = xmr([3, 4] * 6, direction=HIGHER)
    assert (result.runs.count, result.runs.lower, result.runs.upper) == (12, 4, 10)
    assert result.runs.signal == "too_many"
    assert "12 runs above and below the median, more than chance explains (at most 10)" in result.summary
    assert xmr([3, 4] * 4, direction=HIGHER).runs is None  # 8 points: too few to judge runs


def test_too_few_runs_signal():
    # 5 below then 5 above, each too short to be a shift on its own, make 2 runs, fewer than the 3 chance
    # explains for 10 points (P(2 runs) = 2 / C(10, 5) = 2 / 252).
    result = xmr([1, 2, 1, 2, 1, 8, 9, 8, 9, 8], direction=HIGHER)
    assert (result.runs.count, result.runs.lower) == (2, 3)
    assert result.runs.signal == "too_few"
    assert "fewer than chance explains (at least 3)" in result.summary


def test_runs_limits_for_equal_halves_match_the_published_table_where_it_is_exact():
    from lmns.spc import runs_limits

    # Perla, Provost and Murray's table (recalled): 10 points, 3 to 9 runs; 14 points, 4 to 12.
    assert runs_limits(5, 5) == (3, 9)
    assert runs_limits(7, 7) == (4, 12)


def test_an_astronomical_point_signals_on_a_run_chart():
    # Quartiles of 5, 6, 5, 6, 5, 6, 30 (inclusive): 5 and 6, so the far-out fence is 6 + 3 = 9.
    result = xmr([5, 6, 5, 6, 5, 6, 30], direction=LOWER)
    assert flagged(result, Rule.ASTRONOMICAL) == [6]
    assert result.variation is Variation.CONCERN_HIGH
    assert "an astronomical point, far above the others" in result.summary
    # When the middle half is all one value there is no spread to judge by.
    assert flagged(xmr([5, 5, 5, 5, 5, 6], direction=LOWER), Rule.ASTRONOMICAL) == []


def test_quiet_run_charts_stay_quiet():
    result = xmr([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5], direction=HIGHER)
    assert not any(p.rules for p in result.points)
    assert result.variation is Variation.COMMON_CAUSE
    assert result.runs is not None and result.runs.signal is None
