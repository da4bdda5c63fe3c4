from __future__ import annotations

import numpy as np
import pytest

from glucolake.metrics import SUMMARY_KEYS, WINDOWS, summarize, summarize_windows

DAY = 86_400_000
START = 1_704_067_200_000  # 2024-01-01T00:00:00Z


def _history(days, seed=5):
    rng = np.random.default_rng(seed)
    times = (
        START + np.arange(days * 288, dtype=np.int64) * 300_000 + rng.integers(0, 9_000, days * 288)
    )
    values = 140 + 50 * np.sin(np.arange(times.size) / 40) + rng.normal(0, 12, times.size)
    return times, np.round(values)


def test_each_window_is_the_readings_less_than_its_days_older_than_the_newest():
    times, values = _history(100)
    order = np.random.default_rng(1).permutation(times.size)  # any order
    result = summarize_windows(times[order], values[order], "Europe/Berlin")
    assert list(result) == list(WINDOWS)
    newest = times.max()
    for window, days in WINDOWS.items():
        keep = times > newest - days * DAY if days else np.ones(times.size, dtype=bool)
        assert result[window] == summarize(times[keep], values[keep], "Europe/Berlin"), window
    assert result["all"]["n_readings"] == times.size


def test_a_short_history_has_the_same_metrics_in_every_window():
    times, values = _history(10)
    result = summarize_windows(times, values, "UTC")
    assert result["14d"] == result["30d"] == result["90d"] == result["all"]


def test_no_readings_gives_empty_windows():
    result = summarize_windows(np.array([], dtype=np.int64), np.array([]), "UTC")
    empty = {key: (0 if key == "n_readings" else None) for key in SUMMARY_KEYS}
    assert result == dict.fromkeys(WINDOWS, empty)


def test_an_unknown_time_zone_fails():
    times, values = _history(2)
    with pytest.raises(Exception, match="Mars/Olympus"):
        summarize_windows(times, values, "Mars/Olympus")
