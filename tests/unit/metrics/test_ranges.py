from __future__ import annotations

import numpy as np
import pytest

from glucolake.metrics import gri, gri_from_percentages, percent_above, percent_below
from glucolake.metrics import percent_in_range as in_range

BOUNDARIES = np.array([53.0, 54.0, 69.0, 70.0, 180.0, 181.0, 250.0, 251.0])


def test_consensus_boundaries_are_inclusive_and_exclusive_exactly():
    assert percent_below(BOUNDARIES, 54) == 100 / 8  # 53 only: 54 is not below 54
    assert percent_below(BOUNDARIES, 70) == 300 / 8  # 53, 54, 69: 70 is not below 70
    assert in_range(BOUNDARIES, 70, 180) == 200 / 8  # 70 and 180 are both in range
    assert percent_above(BOUNDARIES, 180) == 300 / 8  # 181, 250, 251: 180 is not above
    assert percent_above(BOUNDARIES, 250) == 100 / 8  # 251 only: 250 is not above 250


def test_non_integer_values_next_to_the_boundaries():
    values = np.array([53.999, 69.999, 70.0, 180.0, 180.001, 250.0, 250.001])
    assert percent_below(values, 54) == pytest.approx(100 / 7)
    assert percent_below(values, 70) == pytest.approx(200 / 7)
    assert in_range(values, 70, 180) == pytest.approx(200 / 7)
    assert percent_above(values, 180) == pytest.approx(300 / 7)
    assert percent_above(values, 250) == pytest.approx(100 / 7)


def test_time_in_below_and_above_range_add_up_to_100():
    values = np.random.default_rng(5).integers(40, 400, 997).astype(np.float64)
    total = in_range(values, 70, 180) + percent_below(values, 70) + percent_above(values, 180)
    assert total == pytest.approx(100, rel=1e-14)


def test_ranges_are_undefined_without_readings():
    empty = np.array([], dtype=np.float64)
    assert percent_below(empty, 70) is None
    assert percent_above(empty, 180) is None
    assert in_range(empty, 70, 180) is None
    assert gri(empty) is None


def test_gri_weights_the_klonoff_ranges():
    values = np.concatenate([BOUNDARIES, np.full(8, 120.0)])
    # VLow 1/16 (53), Low 2/16 (54, 69), High 2/16 (181, 250), VHigh 1/16 (251), in percent.
    expected = 3.0 * 6.25 + 2.4 * 12.5 + 1.6 * 6.25 + 0.8 * 12.5
    assert gri(values) == pytest.approx(expected, rel=1e-15)
    assert gri(values) == pytest.approx(68.75, rel=1e-15)


def test_gri_is_zero_in_range_and_capped_at_100():
    assert gri(np.array([70.0, 100.0, 180.0])) == 0.0
    assert gri(np.array([40.0, 45.0])) == 100.0  # 3 · 100 % = 300 before the cap
    assert gri(np.array([300.0, 400.0])) == 100.0  # 1.6 · 100 % = 160 before the cap


def test_gri_cap_boundary():
    assert gri_from_percentages(below_54=0, below_70=0, above_180=80, above_250=50) == 100.0
    assert gri_from_percentages(below_54=0, below_70=0, above_180=62.5, above_250=62.5) == 100.0
    assert gri_from_percentages(below_54=0, below_70=0, above_180=50, above_250=50) == 80.0
    assert gri_from_percentages(below_54=40, below_70=40, above_180=0, above_250=0) == 100.0
