from __future__ import annotations

import numpy as np
import pytest

from glucolake.metrics import active_days, active_percent

MINUTE = 60_000
START = 1_700_000_000_000


def _times(minutes):
    return START + np.round(np.asarray(minutes, dtype=np.float64) * MINUTE).astype(np.int64)


def test_regular_readings_are_fully_active():
    assert active_percent(_times(np.arange(0, 1000, 5))) == 100.0


def test_a_gap_counts_its_missing_readings():
    minutes = np.r_[np.arange(0, 61, 5), np.arange(90, 151, 5)]  # a 30-min gap
    # theoretical = 150 / 5 + 1 = 31; missing = round((30 − 5) / 5) = 5
    assert active_percent(_times(minutes)) == pytest.approx((31 - 5) / 31 * 100, rel=1e-15)


def test_intervals_that_round_to_dt0_are_not_gaps():
    minutes = np.cumsum(np.r_[0, np.full(20, 5), 5.4, np.full(20, 5)])
    assert active_percent(_times(minutes)) == 100.0


def test_repeated_timestamps_count_once_and_order_does_not_matter():
    minutes = np.r_[np.arange(0, 100, 5), 50, 50, 20]
    shuffled = np.random.default_rng(1).permutation(minutes)
    assert active_percent(_times(shuffled)) == 100.0


def test_undefined_without_a_sampling_interval():
    assert active_percent(_times([])) is None
    assert active_percent(_times([10])) is None
    assert active_percent(_times([10, 10])) is None
    assert active_percent(_times([0, 0.2, 0.4])) is None  # dt0 rounds to 0 min


def test_active_days_rounds_the_span_to_a_tenth():
    assert active_days(_times([0, 1440 * 12.74])) == 12.7
    assert active_days(_times([0, 1440 * 12.76])) == 12.8
    assert active_days(_times([])) is None
