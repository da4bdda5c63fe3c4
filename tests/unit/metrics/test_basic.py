from __future__ import annotations

import math

import numpy as np
import pytest

from glucolake.metrics import cv_glucose, gmi, j_index, mean_glucose, quantiles_type7, sd_glucose

EMPTY = np.array([], dtype=np.float64)


def test_mean_and_sample_sd():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert mean_glucose(values) == 2.5
    assert sd_glucose(values) == pytest.approx(math.sqrt(5 / 3), rel=1e-15)  # n − 1, not n


def test_sd_of_one_reading_is_undefined():
    assert sd_glucose(np.array([120.0])) is None
    assert cv_glucose(np.array([120.0])) is None
    assert j_index(np.array([120.0])) is None
    assert mean_glucose(np.array([120.0])) == 120.0


def test_everything_is_undefined_without_readings():
    for metric in (mean_glucose, sd_glucose, cv_glucose, gmi, j_index):
        assert metric(EMPTY) is None
    assert quantiles_type7(EMPTY, [0.05, 0.5]) == [None, None]


def test_cv_is_sd_over_mean_in_percent():
    values = np.array([100.0, 150.0, 200.0])
    assert cv_glucose(values) == pytest.approx(50.0 / 150.0 * 100, rel=1e-15)


def test_all_equal_values_have_zero_spread():
    values = np.full(10, 123.0)
    assert sd_glucose(values) == 0.0
    assert cv_glucose(values) == 0.0
    assert j_index(values) == pytest.approx(0.001 * 123.0**2, rel=1e-15)


def test_gmi_is_bergenstal_2018():
    assert gmi(np.array([100.0, 200.0])) == pytest.approx(3.31 + 0.02392 * 150, rel=1e-15)
    assert gmi(np.array([154.0])) == pytest.approx(6.99368, rel=1e-12)


def test_j_index_uses_the_sample_sd():
    values = np.array([100.0, 200.0])
    sd = math.sqrt(5000.0)  # n − 1 = 1
    assert j_index(values) == pytest.approx(0.001 * (150 + sd) ** 2, rel=1e-15)


def test_quantiles_are_r_type_7():
    # R: quantile(c(10, 1, 4, 3, 2), c(.05, .25, .5, .75, .95)) gives 1.2 2 3 4 8.8
    values = np.array([10.0, 1.0, 4.0, 3.0, 2.0])
    result = quantiles_type7(values, [0.05, 0.25, 0.5, 0.75, 0.95])
    assert result == pytest.approx([1.2, 2.0, 3.0, 4.0, 8.8], rel=1e-15)
    assert quantiles_type7(values, [0.0, 1.0]) == [1.0, 10.0]


def test_quantiles_of_an_even_count_interpolate_the_median():
    assert quantiles_type7(np.array([1.0, 2.0, 3.0, 4.0]), [0.5]) == [2.5]


def test_quantiles_of_one_reading_are_that_reading():
    assert quantiles_type7(np.array([97.0]), [0.05, 0.95]) == [97.0, 97.0]


def test_quantiles_agree_with_numpy_linear():
    values = np.random.default_rng(3).normal(150, 40, 1001)
    probs = [0.05, 0.25, 0.5, 0.75, 0.95]
    expected = np.percentile(values, [p * 100 for p in probs], method="linear")
    assert quantiles_type7(values, probs) == pytest.approx(expected.tolist(), rel=1e-13)


def test_quantile_probabilities_must_be_in_the_unit_interval():
    with pytest.raises(ValueError, match="probabilities"):
        quantiles_type7(np.array([1.0]), [5.0])
