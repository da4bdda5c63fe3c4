from __future__ import annotations

import numpy as np
import pytest

from glucolake.metrics import DayByDayGrid, conga, modd


def _grid(values, dt0=5):
    return DayByDayGrid(values=np.asarray(values, dtype=np.float64), dt0=dt0, start_ms=0)


def test_conga_is_the_sample_sd_of_hourly_differences_across_days():
    rng = np.random.default_rng(2)
    values = rng.normal(150, 30, (3, 288))
    values[1, 100:140] = np.nan
    flat = values.reshape(-1)
    differences = flat[12:] - flat[:-12]  # 12 steps of 5 min, also across midnight
    expected = np.std(differences[~np.isnan(differences)], ddof=1)
    assert conga(_grid(values)) == pytest.approx(expected, rel=1e-14)
    differences = flat[24:] - flat[:-24]
    assert conga(_grid(values), hours=2) == pytest.approx(
        np.std(differences[~np.isnan(differences)], ddof=1), rel=1e-14
    )


def test_conga_of_a_linear_ramp_is_zero():
    assert conga(_grid(np.arange(288.0).reshape(1, 288))) == 0.0


def test_conga_lag_rounds_half_to_even_like_r():
    # dt0 = 24: 60 / 24 = 2.5 grid steps per hour, which R's round() makes 2.
    values = np.array([[0.0, 0.0, 1.0, 3.0, 6.0, 10.0] * 10])
    flat = values.reshape(-1)
    expected = np.std(flat[2:] - flat[:-2], ddof=1)
    assert conga(_grid(values, dt0=24)) == pytest.approx(expected, rel=1e-14)


def test_conga_needs_two_complete_pairs():
    values = np.full((1, 288), np.nan)
    assert conga(_grid(values)) is None
    values[0, [0, 12]] = [100.0, 110.0]
    assert conga(_grid(values)) is None  # one pair: no sample SD
    values[0, [1, 13]] = [100.0, 130.0]
    assert conga(_grid(values)) == pytest.approx(np.std([10.0, 30.0], ddof=1))
    with pytest.raises(ValueError, match="positive"):
        conga(_grid(values), hours=0)


def test_modd_is_the_mean_absolute_day_to_day_difference():
    values = np.full((3, 288), np.nan)
    values[0, :3] = [100, 120, 140]
    values[1, :3] = [110, 100, np.nan]
    values[2, :3] = [np.nan, 130, 150]
    expected = np.mean([10, 20, 30])  # (0→1: 10, 20) and (1→2: 30)
    assert modd(_grid(values)) == pytest.approx(expected, rel=1e-15)


def test_modd_is_undefined_without_a_pair_of_days():
    assert modd(_grid(np.full((1, 288), 100.0))) is None
    values = np.full((2, 288), np.nan)
    values[0, 0] = values[1, 1] = 100.0
    assert modd(_grid(values)) is None
    with pytest.raises(ValueError, match="positive"):
        modd(_grid(values), lag_days=0)
