from __future__ import annotations

import math

import numpy as np
import pytest

from glucolake.metrics import adrr, bg_risk_transform, hbgi, lbgi


def _f(glucose: float) -> float:
    return math.log(glucose) ** 1.084 - 5.381


def test_transform_is_kovatchev_and_about_zero_at_112_5():
    values = np.array([40.0, 112.5, 400.0])
    assert bg_risk_transform(values).tolist() == pytest.approx([_f(v) for v in values], rel=1e-15)
    assert abs(_f(112.5)) < 1e-3


def test_lbgi_and_hbgi_split_at_112_5_over_all_readings():
    values = np.array([50.0, 112.5, 200.0, 80.0])
    assert lbgi(values) == pytest.approx(22.77 * (_f(50) ** 2 + _f(80) ** 2) / 4, rel=1e-14)
    # 112.5 belongs to HBGI, where its slightly negative f is clamped to 0.
    assert hbgi(values) == pytest.approx(22.77 * _f(200) ** 2 / 4, rel=1e-14)


def test_risk_indices_are_zero_on_the_other_side():
    assert lbgi(np.array([150.0, 300.0])) == 0.0
    assert hbgi(np.array([60.0, 100.0])) == 0.0


def test_risk_indices_are_undefined_without_readings():
    empty = np.array([], dtype=np.float64)
    assert lbgi(empty) is None
    assert hbgi(empty) is None
    assert adrr(empty, np.array([], dtype=np.int64)) is None


def test_adrr_is_the_mean_daily_risk_range():
    values = np.array([50.0, 200.0, 100.0, 300.0, 90.0])
    days = np.array([7, 7, 8, 8, 9])
    day_7 = 22.77 * _f(50) ** 2 + 22.77 * _f(200) ** 2
    day_8 = 22.77 * _f(100) ** 2 + 22.77 * _f(300) ** 2
    day_9 = 22.77 * _f(90) ** 2  # no reading above 112.5: HR is 0
    assert adrr(values, days) == pytest.approx((day_7 + day_8 + day_9) / 3, rel=1e-14)


def test_adrr_does_not_need_readings_sorted_by_day():
    values = np.array([50.0, 200.0, 100.0, 300.0])
    days = np.array([7, 7, 8, 8])
    order = np.array([3, 0, 2, 1])
    assert adrr(values[order], days[order]) == adrr(values, days)


def test_adrr_needs_one_day_per_reading():
    with pytest.raises(ValueError, match="same length"):
        adrr(np.array([100.0]), np.array([1, 2]))
