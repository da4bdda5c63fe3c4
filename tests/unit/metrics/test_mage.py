from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from glucolake.metrics import (
    MageSegment,
    day_by_day_grid,
    mage,
    mage_from_segments,
    mage_naive,
    mage_segments,
    prepare_readings,
)
from glucolake.metrics.mage import _segment_mage

MINUTE = 60_000
START = 1_700_006_400_000  # 2023-11-15T00:00:00Z


# A line-by-line port of iglu 4.3.0's mage_atomic (R/mage_ma_single.R), slow and literal on
# purpose: the fast implementation must give the same turning points and excursions.


def _literal_rolling_mean(gl, width):
    n = len(gl)
    out = [math.nan] * n
    for i in range(width - 1, n):
        window = [v for v in gl[i - width + 1 : i + 1] if not math.isnan(v)]
        out[i] = math.fsum(window) / len(window) if window else math.nan
    for i in range(width - 1):
        out[i] = out[width - 1]
    return out


def _literal_crossings(gl, delta):
    n = len(gl)
    ids, types = [0], [1 if delta[0] > 0 else 0]  # 1 = REL_MAX, 0 = REL_MIN
    for i in range(1, n):
        if any(math.isnan(x) for x in (gl[i], gl[i - 1], delta[i], delta[i - 1])):
            continue
        if delta[i] * delta[i - 1] < 0:
            ids.append(i)
            types.append(0 if delta[i] < delta[i - 1] else 1)
        elif delta[i] * delta[ids[-1]] < 0:
            previous = delta[ids[-1]]
            ids.append(i)
            types.append(0 if delta[i] < previous else 1)
    ids.append(n - 1)
    types.append(1 if delta[n - 1] > 0 else 0)
    return ids, types


def _literal_minmax(gl, ids, types):
    minmax, indexes = [], []
    for i in range(len(ids) - 1):
        s1 = ids[0] if i == 0 else indexes[i - 1]
        window = gl[s1 : ids[i + 1] + 1]
        finite = [v for v in window if not math.isnan(v)]
        extreme = min(finite) if types[i] == 0 else max(finite)
        minmax.append(extreme)
        indexes.append(s1 + window.index(extreme))
    return minmax


def _literal_plus(minmax, sd):
    heights, pairs, count = [], [], len(minmax)
    j = prev_j = 0
    while j < count:
        delta = [minmax[j] - minmax[i] for i in range(prev_j, j + 1)]
        i = delta.index(max(delta)) + prev_j
        if max(delta) < sd:
            j += 1
            continue
        for k in range(j, count):
            if minmax[k] > minmax[j]:
                j = k
            if minmax[k] - minmax[j] < -sd or k == count - 1:
                heights.append(minmax[j] - minmax[i])
                pairs.append((i, j))
                prev_j = j = k
                break
    return heights, pairs


def _literal_minus(minmax, sd):
    heights, pairs, count = [], [], len(minmax)
    j = prev_j = 0
    while j < count:
        delta = [minmax[j] - minmax[i] for i in range(prev_j, j + 1)]
        i = delta.index(min(delta)) + prev_j
        if min(delta) > -sd:
            j += 1
            continue
        for k in range(j, count):
            if minmax[k] < minmax[j]:
                j = k
            if minmax[k] - minmax[j] > sd or k == count - 1:
                heights.append(minmax[j] - minmax[i])
                pairs.append((i, j))
                prev_j, j = j, k
                break
    return heights, pairs


def _literal_mage_atomic(gl, short, long):
    if len(gl) < 7 or len(gl) < long:
        return None, None, None
    sd = statistics.stdev([v for v in gl if not math.isnan(v)])
    if sd < 1:
        return None, None, None
    short_ma, long_ma = _literal_rolling_mean(gl, short), _literal_rolling_mean(gl, long)
    delta = [s - lo for s, lo in zip(short_ma, long_ma, strict=True)]
    minmax = _literal_minmax(gl, *_literal_crossings(gl, delta))
    plus, plus_pairs = _literal_plus(minmax, sd)
    minus, minus_pairs = _literal_minus(minmax, sd)
    if not plus and not minus:
        return None, None, None
    plus_first = bool(plus) and (not minus or plus_pairs[0][1] <= minus_pairs[0][0])
    return (
        statistics.fmean(plus) if plus else None,
        abs(statistics.fmean(minus)) if minus else None,
        plus_first,
    )


def _random_trace(seed, size, *, integer):
    rng = np.random.default_rng(seed)
    trace = 150 + np.cumsum(rng.normal(0, 6, size)) + 40 * np.sin(np.arange(size) / 20)
    if integer:
        trace = np.round(trace)
        trace[rng.integers(0, size, size // 10)] = trace[0]  # flat stretches and ties
    for start in rng.integers(1, size - 40, 3):  # NaN runs, kept short of the ends
        trace[start : start + rng.integers(1, 35)] = np.nan
    return trace


@pytest.mark.parametrize("integer", [True, False])
@pytest.mark.parametrize("seed", range(12))
def test_segment_mage_equals_a_literal_port_of_iglu(seed, integer):
    trace = _random_trace(seed, 400, integer=integer)
    expected = _literal_mage_atomic(trace.tolist(), 5, 32)
    actual = _segment_mage(trace, 5, 32)
    assert actual[2] == expected[2]
    for got, want in zip(actual[:2], expected[:2], strict=True):
        assert (got is None) == (want is None)
        if want is not None:
            assert got == pytest.approx(want, rel=1e-12)


def test_moving_averages_that_only_touch_zero_give_no_crossing_as_in_iglu():
    # On plateaus both moving means are equal, so short − long goes 0 → − → 0 and never changes
    # sign between neighbours: iglu records no crossing and the segment has no MAGE.
    trace = np.r_[np.full(40, 100.0), np.full(40, 200.0), np.full(40, 100.0)]
    assert _segment_mage(trace, 5, 32) == (None, None, None)
    assert _literal_mage_atomic(trace.tolist(), 5, 32) == (None, None, None)


def _readings(minutes, values):
    times = START + np.round(np.asarray(minutes, dtype=np.float64) * MINUTE).astype(np.int64)
    return prepare_readings(times, np.asarray(values, dtype=np.float64))


def test_mage_of_a_regular_oscillation_is_its_peak_to_nadir_height():
    # 8 h period from nadir to nadir (06:00 is a nadir), sampled exactly at its extremes.
    minutes = np.arange(360, 360 + 6 * 480 + 1, 5)
    values = 150 + 60 * np.sin(2 * np.pi * minutes / 480)
    for direction in ("avg", "plus", "minus", "max", "service"):
        assert mage(_readings(minutes, values), "UTC", direction=direction) == pytest.approx(120.0)


def test_mage_is_undefined_for_short_flat_or_missing_data():
    assert mage(_readings([], []), "UTC") is None
    assert mage(_readings(np.arange(0, 30, 5), np.arange(6.0) * 20 + 100), "UTC") is None
    assert mage(_readings(np.arange(0, 100, 5), np.arange(20.0) * 20 + 100), "UTC") is None
    assert mage(_readings(np.arange(0, 1440, 5), np.full(288, 120.0)), "UTC") is None


def test_long_gaps_split_the_trace_into_segments():
    minutes = np.r_[np.arange(0, 600, 5), np.arange(840, 1500, 5)]  # a 4-hour gap
    values = 150 + 50 * np.sin(2 * np.pi * minutes / 240)
    grid = day_by_day_grid(_readings(minutes, values), "UTC", dt0=5)
    segments = mage_segments(grid)
    assert [segment.scored for segment in segments] == [True, False, True]
    gap = segments[1]
    assert np.isnan(grid.flat[gap.start_index : gap.end_index + 1]).all()
    assert grid.time_ms(segments[0].end_index) == START + 595 * MINUTE
    assert grid.time_ms(segments[2].start_index) == START + 840 * MINUTE


def _segment(start, end, plus, minus, *, plus_first=True):
    return MageSegment(start, end, plus, minus, plus_first)


def test_directions_weight_segments_by_duration():
    segments = [
        _segment(0, 100, 10.0, 20.0, plus_first=True),
        MageSegment(101, 200, None, None, None),  # a gap: no value, no weight
        _segment(201, 501, 40.0, 30.0, plus_first=False),
    ]
    # durations 100 and 300 steps of 5 min
    assert mage_from_segments(segments, 5, "avg") == pytest.approx(
        (10 + 20) * 0.125 + (40 + 30) * 0.375
    )
    assert mage_from_segments(segments, 5, "plus") == pytest.approx(10 * 0.25 + 40 * 0.75)
    assert mage_from_segments(segments, 5, "minus") == pytest.approx(20 * 0.25 + 30 * 0.75)
    assert mage_from_segments(segments, 5, "max") == pytest.approx(20 * 0.25 + 40 * 0.75)
    assert mage_from_segments(segments, 5, "service") == pytest.approx(10 * 0.25 + 30 * 0.75)


def test_max_direction_reproduces_iglus_ties_and_missing_values():
    tie = _segment(0, 100, 50.0, 50.0)
    other = _segment(100, 200, 20.0, 10.0)
    # The tied segment keeps both rows, so it weighs twice: (50·2 + 20) / 3.
    assert mage_from_segments([tie, other], 5, "max") == pytest.approx(40.0)
    # A segment with only one direction is dropped by "max" but counts for "avg".
    one_sided = _segment(200, 300, 90.0, None)
    assert mage_from_segments([other, one_sided], 5, "max") == 20.0
    assert mage_from_segments([other, one_sided], 5, "avg") == pytest.approx((20 + 10 + 90) / 3)


def test_plus_or_minus_missing_in_one_segment_makes_the_result_missing():
    segments = [_segment(0, 100, 20.0, 10.0), _segment(100, 200, None, 30.0, plus_first=False)]
    assert mage_from_segments(segments, 5, "plus") is None
    assert mage_from_segments(segments, 5, "minus") == pytest.approx(20.0)
    assert mage_from_segments(segments, 5, "service") == pytest.approx((20 + 30) / 2)


def test_no_segments_or_no_duration_gives_no_value():
    assert mage_from_segments([], 5) is None
    assert mage_from_segments([MageSegment(0, 10, None, None, None)], 5) is None
    assert mage_from_segments([_segment(3, 3, 10.0, 10.0)], 5) is None
    with pytest.raises(ValueError, match="direction"):
        mage_from_segments([_segment(0, 3, 10.0, 10.0)], 5, "median")  # type: ignore[arg-type]


def test_naive_mage_averages_deviations_beyond_one_sd():
    values = np.array([100.0, 100.0, 100.0, 100.0, 200.0])
    mean, sd = 120.0, np.std(values, ddof=1)  # sd ≈ 44.7: only 200 deviates more
    assert mage_naive(values) == pytest.approx(200 - mean)
    assert mage_naive(values, sd_multiplier=0.1) == pytest.approx((4 * 20 + 80) / 5)
    assert sd > 20
    assert mage_naive(np.full(5, 100.0)) is None
    assert mage_naive(np.array([100.0])) is None
