from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pytest

from glucolake.metrics import SUMMARY_KEYS, summarize

MINUTE = 60_000
START = 1_704_067_200_000  # 2024-01-01T00:00:00Z
RAW_READING_METRICS = (
    "mean_glucose",
    "in_range_70_180",
    "below_54",
    "below_70",
    "above_180",
    "above_250",
    "gmi",
    "gri",
    "lbgi",
    "hbgi",
    "adrr",
    "p05",
    "p25",
    "p50",
    "p75",
    "p95",
)


def _regular(count, values, step_minutes=5):
    times = START + np.arange(count, dtype=np.int64) * step_minutes * MINUTE
    return times, np.asarray(values, dtype=np.float64)


def _risk(glucose):
    return math.log(glucose) ** 1.084 - 5.381


def test_keys_are_exactly_the_mart_columns():
    times, values = _regular(300, np.linspace(60, 260, 300))
    result = summarize(times, values, "UTC")
    assert tuple(result) == SUMMARY_KEYS
    assert all(type(value) is float for key, value in result.items() if key != "n_readings")


def test_empty_input_has_a_count_and_nothing_else():
    result = summarize(np.array([], dtype=np.int64), np.array([]), "Europe/Berlin")
    assert result == {key: (0 if key == "n_readings" else None) for key in SUMMARY_KEYS}


def test_missing_glucose_values_are_dropped():
    times, values = _regular(4, [100.0, np.nan, 120.0, np.nan])
    result = summarize(times, values, "UTC")
    assert result["n_readings"] == 2
    assert result["mean_glucose"] == 110.0


def test_one_reading():
    result = summarize(np.array([START]), np.array([150.0]), "UTC")
    assert result["n_readings"] == 1
    for key in RAW_READING_METRICS:
        assert result[key] is not None, key
    assert result["p05"] == result["p95"] == 150.0
    assert result["adrr"] == pytest.approx(22.77 * _risk(150) ** 2)
    undefined = ("sd_glucose", "cv_glucose", "j_index", "mage", "conga_1", "modd", "active_percent")
    for key in undefined:
        assert result[key] is None, key


def test_all_equal_values():
    times, values = _regular(2 * 288, np.full(2 * 288, 120.0))
    result = summarize(times, values, "UTC")
    assert result["sd_glucose"] == 0.0
    assert result["cv_glucose"] == 0.0
    assert result["conga_1"] == 0.0
    assert result["modd"] == 0.0
    assert result["mage"] is None  # iglu: SD < 1 gives no MAGE
    assert result["in_range_70_180"] == 100.0
    assert result["gri"] == 0.0
    assert result["active_percent"] == 100.0


def test_identical_timestamps_follow_each_iglu_function():
    times, values = _regular(12 * 24, 100 + 20 * np.sin(np.arange(12 * 24) / 10))
    times = np.r_[times, times[5]]
    values = np.r_[values, 40.0]  # a second, later reading at the same instant
    result = summarize(times, values, "UTC")
    assert result["n_readings"] == 12 * 24 + 1  # raw statistics keep every reading
    assert result["below_54"] == pytest.approx(100 / (12 * 24 + 1))
    # GRI and active_percent average the repeated instant (iglu's check_data_time) ...
    assert result["gri"] == 0.0
    assert result["active_percent"] == 100.0
    # ... and the grid keeps the later reading, 40, which a flat-lined pair would hide.
    without_repeat = summarize(times[:-1], values[:-1], "UTC")
    assert result["conga_1"] != without_repeat["conga_1"]
    replaced = values[:-1].copy()
    replaced[5] = 40.0
    assert result["conga_1"] == summarize(times[:-1], replaced, "UTC")["conga_1"]


def test_wide_sampling_leaves_grid_metrics_undefined_but_not_mage_grid():
    times, values = _regular(48, np.linspace(80, 200, 48), step_minutes=60)
    result = summarize(times, values, "UTC")
    assert result["conga_1"] is None  # dt0 = 60 > inter_gap = 45: iglu stops
    assert result["modd"] is None
    assert result["mage"] is None  # every 5-min grid point but the readings is in a gap
    assert result["active_percent"] == 100.0


def test_no_metric_is_ever_nan():
    rng = np.random.default_rng(9)
    for size in (2, 3, 7, 40, 400):
        times = START + np.sort(rng.integers(0, 3 * 86_400_000, size))
        values = rng.integers(39, 401, size).astype(np.float64)
        result = summarize(times, values, "America/New_York")
        assert not any(isinstance(v, float) and math.isnan(v) for v in result.values())


def test_invalid_inputs_are_rejected():
    with pytest.raises(ValueError, match="equal length"):
        summarize(np.array([START, START + 1]), np.array([100.0]), "UTC")
    with pytest.raises(ValueError, match="integers"):
        summarize(np.array([1.5]), np.array([100.0]), "UTC")
    with pytest.raises(ValueError, match="at least 1 mg/dL"):
        summarize(np.array([START]), np.array([0.5]), "UTC")
    with pytest.raises(ValueError, match="finite"):
        summarize(np.array([START]), np.array([np.inf]), "UTC")
    with pytest.raises(ZoneInfoNotFoundError):
        summarize(np.array([], dtype=np.int64), np.array([]), "Mars/Olympus_Mons")


def _berlin_ms(*fields, fold=0):
    moment = datetime(*fields, tzinfo=ZoneInfo("Europe/Berlin")).replace(fold=fold)
    return int(moment.timestamp()) * 1000


def test_adrr_uses_local_days_across_a_dst_switch():
    readings = [
        (_berlin_ms(2024, 3, 30, 23, 30), 50.0),  # 22:30 UTC, local day 30 March
        (_berlin_ms(2024, 3, 31, 0, 30), 300.0),  # 23:30 UTC on the 30th, local day 31 March
        (_berlin_ms(2024, 3, 31, 3, 30), 100.0),  # after the spring-forward switch
        (_berlin_ms(2024, 4, 1, 1, 30), 60.0),  # 23:30 UTC on the 31st, local day 1 April
        (_berlin_ms(2024, 4, 1, 8, 0), 250.0),
        (_berlin_ms(2024, 10, 27, 2, 30, fold=0), 70.0),  # the repeated hour, both passes
        (_berlin_ms(2024, 10, 27, 2, 30, fold=1), 200.0),  # on local day 27 October
    ]
    times = np.array([t for t, _ in readings], dtype=np.int64)
    values = np.array([v for _, v in readings])

    def daily(day_values):
        low = min(0.0, *(_risk(v) for v in day_values))
        high = max(0.0, *(_risk(v) for v in day_values))
        return 22.77 * low**2 + 22.77 * high**2

    local_days = [[50.0], [300.0, 100.0], [60.0, 250.0], [70.0, 200.0]]
    utc_days = [[50.0, 300.0], [100.0, 60.0], [250.0], [70.0, 200.0]]
    expected_local = sum(daily(day) for day in local_days) / 4
    expected_utc = sum(daily(day) for day in utc_days) / 4
    assert expected_local != pytest.approx(expected_utc)

    assert summarize(times, values, "Europe/Berlin")["adrr"] == pytest.approx(
        expected_local, rel=1e-14
    )
    assert summarize(times, values, "UTC")["adrr"] == pytest.approx(expected_utc, rel=1e-14)


def test_grid_rows_are_24_elapsed_hours_across_a_dst_switch():
    # A pattern that repeats every 24 elapsed hours from local midnight before the switch.
    first = _berlin_ms(2024, 3, 30, 0, 5)
    steps = np.arange(3 * 288)
    pattern = np.round(150 + 60 * np.sin(2 * np.pi * np.arange(288) / 288))
    times = first + steps * 5 * MINUTE
    result = summarize(times, pattern[steps % 288], "Europe/Berlin")
    assert result["modd"] == 0.0  # compares readings exactly 24 h apart
    assert result["conga_1"] is not None
    assert result["mage"] is not None
    assert result["active_percent"] == 100.0


def test_a_year_of_five_minute_readings():
    count = 105_000
    rng = np.random.default_rng(4)
    times = START + np.arange(count, dtype=np.int64) * 5 * MINUTE + rng.integers(0, 3000, count)
    hours = np.arange(count) / 12
    values = np.round(150 + 50 * np.sin(hours / 3.8) + rng.normal(0, 8, count)).clip(40, 400)
    result = summarize(times, values, "Europe/Berlin")
    assert result["n_readings"] == count
    assert all(value is not None for value in result.values())
