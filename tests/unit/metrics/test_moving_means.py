"""The moving means of iglu's MAGE: where rounding could change a crossing, R's own means."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from glucolake.metrics.excursions import _r_mean, moving_mean, moving_mean_difference


def _correctly_rounded_mean(values: np.ndarray) -> float:
    return float(sum(Fraction(float(v)) for v in values) / len(values))


def test_r_means_are_the_exact_mean_rounded_once_where_a_double_sum_is_not():
    # R sums in long double: a mean of up to 32 readings comes out as the exact mean rounded
    # to double once. Summed in doubles, half of these windows come out one bit off.
    rng = np.random.default_rng(7)
    windows = [rng.uniform(39, 401, int(rng.integers(2, 33))) for _ in range(3000)]
    off_in_doubles = sum(moving_mean(w, w.size)[-1] != _correctly_rounded_mean(w) for w in windows)
    assert off_in_doubles > 300  # or this test would show nothing
    for w in windows:
        assert _r_mean(w, w.size - 1, w.size) == _correctly_rounded_mean(w)


def test_a_window_with_gaps_keeps_rs_mean_of_its_values():
    window = np.array([np.nan, 120.1, np.nan, 130.7, 99.3])
    assert _r_mean(window, 4, 5) == _correctly_rounded_mean(window[~np.isnan(window)])
    assert np.isnan(_r_mean(np.full(5, np.nan), 4, 5))


def test_after_a_gap_both_windows_hold_the_same_readings_and_differ_by_exactly_zero():
    # Interpolated readings after a long gap: R's two means are of the same values, equal,
    # and no crossing is recorded; a sum that rounded them apart would record one.
    after_gap = [115.83788784, 115.16212063, 116.48633135, 119.64851568]
    trace = np.r_[np.linspace(100.3, 140.7, 40), np.full(40, np.nan), after_gap]
    delta = moving_mean_difference(trace, 5, 32)
    assert (delta[-4:] == 0.0).all()


def test_on_a_flat_fractional_stretch_the_means_are_equal_as_in_r():
    # R's long double sums of 5 and of 32 times 120.1 are exact: both means are 120.1 and no
    # crossing is recorded. Summed in doubles they come out a bit apart, here and there.
    trace = np.r_[np.linspace(100.3, 140.7, 40), np.full(60, 120.1)]
    flat = slice(40 + 31, trace.size)
    in_doubles = moving_mean(trace, 5) - moving_mean(trace, 32)
    assert (in_doubles[flat] != 0.0).any()
    assert (moving_mean_difference(trace, 5, 32)[flat] == 0.0).all()
