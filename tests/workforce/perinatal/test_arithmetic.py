"""The LMNS outcome signal's CUSUM, the p-chart's limits and the working-day count, by hand."""

import math
from datetime import date

import pytest

from lmns.spc import Rule, Variation
from workforce.perinatal.cusum import bernoulli_cusum, weights
from workforce.perinatal.pchart import p_chart
from workforce.perinatal.working_days import add_working_days, is_working_day


def test_cusum_weights_are_the_log_likelihood_ratios_for_a_doubled_rate():
    death, survivor = weights(0.001)
    assert death == pytest.approx(math.log(2))
    assert survivor == pytest.approx(math.log(0.998 / 0.999))


def test_cusum_adds_a_months_deaths_and_survivors_and_never_goes_below_zero():
    # By hand, p0 = 1 per 1,000, p1 = 2 per 1,000:
    # month 1: 3 deaths of 500: 3 x 0.693147 + 497 x (-0.0010015) = 2.079442 - 0.497746 = 1.581696
    # month 2: 0 of 400: 1.581696 - 400 x 0.0010015 = 1.181095
    # month 3: 0 of 2,000: 1.181095 - 2.003005 < 0, so 0
    points = bernoulli_cusum([(3, 500), (0, 400), (0, 2000)], reference_rate=0.001, amber=5, red=6)
    assert [round(p.statistic, 4) for p in points] == [1.5817, 1.1811, 0.0]
    assert [p.level for p in points] == [None, None, None]


def test_cusum_signals_amber_then_red_and_starts_again_after_each():
    points = bernoulli_cusum(
        [(3, 500), (2, 500), None, (1, 100), (5, 200)], reference_rate=0.001, amber=2, red=3
    )
    # month 2: 1.581696 + 2 x 0.693147 - 498 x 0.0010015 = 2.469213: amber, then W is 0
    assert points[1].level == "amber" and points[1].statistic == pytest.approx(2.4692, abs=1e-4)
    # a month without a return leaves W (now 0) where it was
    assert points[2].deaths is None and points[2].statistic == 0
    # month 4: 0.693147 - 99 x 0.0010015 = 0.593998; month 5: + 5 x 0.693147 - 195 x 0.0010015
    assert points[3].statistic == pytest.approx(0.5940, abs=1e-4)
    assert points[4].statistic == pytest.approx(0.5940 + 3.465736 - 0.195293, abs=1e-4)
    assert points[4].level == "red"


def test_cusum_refuses_more_deaths_than_births_and_rates_it_cannot_double():
    with pytest.raises(ValueError):
        bernoulli_cusum([(3, 2)], reference_rate=0.001, amber=2, red=3)
    with pytest.raises(ValueError):
        weights(0.6)


def test_p_chart_limits_follow_each_months_denominator():
    # Pooled: 12 of 4,000 = 3 per 1,000. A month of 1,000: sigma = sqrt(0.003 x 0.997 / 1000) = 0.0017295
    # so limits 0 (clipped from -0.00219) to 0.0081884, i.e. 0 to 8.19 per 1,000.
    result = p_chart([(3, 1000), (3, 1000), (6, 2000)], per=1000)
    first, _, third = result.phases
    assert first.mean == pytest.approx(3)
    assert (first.lower, first.upper) == (0, pytest.approx(8.1884, abs=1e-3))
    # Twice the denominator: narrower limits, 3 +/- 3 x 1.22295 per 1,000.
    assert third.upper == pytest.approx(6.6688, abs=1e-3)
    assert result.variation is Variation.COMMON_CAUSE


def test_p_chart_calls_a_high_death_rate_a_concern_and_skips_missing_months():
    result = p_chart([(2, 1000)] * 10 + [None, (15, 1000)], per=1000)
    assert result.points[10].value is None
    assert Rule.OUTSIDE_LIMITS in result.points[11].rules
    assert result.points[11].signal == "concern"
    assert result.variation is Variation.CONCERN_HIGH
    assert "above the upper limit" in result.summary


@pytest.mark.parametrize(
    ("raised", "due"),
    [
        # Wednesday 23 December 2026: Christmas Day (Friday), Boxing Day (Saturday, so Monday
        # 28th is the holiday) and New Year's Day 2027 (Friday) do not count.
        (date(2026, 12, 23), date(2027, 1, 7)),
        # An ordinary fortnight: Monday 9 November 2026 to Thursday 19 November.
        (date(2026, 11, 9), date(2026, 11, 19)),
        # Thursday before Easter 2027: Good Friday 26 March and Easter Monday 29 March.
        (date(2027, 3, 25), date(2027, 4, 8)),
    ],
)
def test_eight_working_days_skip_weekends_and_englands_bank_holidays(raised, due):
    assert add_working_days(raised, 8) == due


def test_boxing_day_2026_is_observed_on_monday_28_december():
    assert not is_working_day(date(2026, 12, 28))
    assert is_working_day(date(2026, 12, 29))
