from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from glucolake.metrics import day_by_day_grid, prepare_readings
from glucolake.metrics.grid import grid_step_minutes

MINUTE = 60_000
UTC_MIDNIGHT = int(datetime(2024, 1, 10, tzinfo=UTC).timestamp()) * 1000


def _grid(minutes, values, tz="UTC", **options):
    times = UTC_MIDNIGHT + np.round(np.asarray(minutes, dtype=np.float64) * MINUTE).astype(np.int64)
    return day_by_day_grid(
        prepare_readings(times, np.asarray(values, dtype=np.float64)), tz, **options
    )


@pytest.mark.parametrize(
    ("dt0", "step"),
    [
        (1, 1),
        (5, 5),
        (7, 5),
        (8, 8),
        (11, 10),
        (13, 15),
        (14, 15),
        (17, 15),
        (19, 20),
        (21, 20),
        (25, 20),
        (30, 30),
        (45, 45),
    ],
)
def test_grid_step_follows_iglu(dt0, step):
    assert grid_step_minutes(dt0) == step


def test_grid_starts_at_local_midnight_and_ends_at_24_00():
    grid = _grid([12 * 60, 12 * 60 + 5], [100, 110])
    assert grid.dt0 == 5
    assert grid.values.shape == (2, 288)  # ceiling(5 min + 1 day) = 2 days, as in iglu
    assert grid.start_ms == UTC_MIDNIGHT
    assert grid.time_ms(0) == UTC_MIDNIGHT + 5 * MINUTE  # 00:05
    assert grid.time_ms(287) == UTC_MIDNIGHT + 1440 * MINUTE  # 24:00


def test_ndays_is_ceiling_of_span_plus_one():
    # 23:00 to 01:00 next day spans 2 h, so ceiling(2/24 + 1) = 2 rows.
    assert _grid([23 * 60, 23 * 60 + 5, 25 * 60], [100, 100, 100], dt0=5).values.shape[0] == 2
    # Exactly 1 day apart: ceiling(1 + 1) = 2 rows; a single instant: 1 row.
    assert _grid([0, 5, 1440], [100, 100, 100], dt0=5).values.shape[0] == 2
    assert _grid([30], [100], dt0=5).values.shape[0] == 1


def test_linear_interpolation_is_rs_approx_and_never_extrapolates():
    grid = _grid([2.5, 7.5, 12.5], [100, 111, 90])
    flat = grid.flat
    assert flat[0] == 100 + (111 - 100) * (2.5 / 5)  # 00:05
    assert flat[1] == 111 + (90 - 111) * (2.5 / 5)  # 00:10
    assert np.isnan(flat[2:]).all()  # after the last reading


def test_a_grid_point_on_a_reading_takes_its_value():
    grid = _grid([5, 10, 17], [100.25, 103.75, 99], dt0=5)
    assert grid.flat[:2].tolist() == [100.25, 103.75]
    assert grid.flat[2] == 103.75 + (99 - 103.75) * (5 / 7)


def test_gaps_up_to_inter_gap_are_bridged():
    grid = _grid([5, 50], [100, 145], dt0=5)  # exactly 45 min
    assert grid.flat[:10].tolist() == [100.0 + 5 * k for k in range(10)]


def test_points_strictly_inside_a_longer_gap_are_missing():
    grid = _grid([5, 50 + 1 / 60], [100, 145], dt0=5)  # 45 min 1 s
    assert grid.flat[0] == 100.0  # on the reading before the gap
    assert np.isnan(grid.flat[1:]).all()
    grid = _grid([5, 55, 60], [100, 150, 155], dt0=5)  # 50 min gap ending on a grid point
    assert grid.flat[0] == 100.0
    assert np.isnan(grid.flat[1:10]).all()
    assert grid.flat[10:12].tolist() == [150.0, 155.0]


def test_repeated_timestamps_keep_the_later_reading():
    grid = _grid([5, 5, 10], [100, 120, 130])
    assert grid.flat[:2].tolist() == [120.0, 130.0]
    times = UTC_MIDNIGHT + np.array([10, 5, 5], dtype=np.int64) * MINUTE
    readings = prepare_readings(times, np.array([130.0, 100.0, 120.0]))  # later in input wins
    assert day_by_day_grid(readings, "UTC").flat[:2].tolist() == [120.0, 130.0]


def test_automatic_dt0_is_the_rounded_median_interval():
    assert _grid(np.arange(0, 600, 15), np.full(40, 100)).dt0 == 15
    assert _grid(np.arange(0, 600, 7.4), np.full(82, 100)).dt0 == 5  # round(7.4) = 7 → 5
    assert _grid(np.arange(0, 600, 2.5), np.full(240, 100)).dt0 == 2  # 2.5 rounds to even


def test_dt0_above_inter_gap_or_undefined_is_an_error():
    with pytest.raises(ValueError, match="above the largest interpolation gap"):
        _grid([0, 60, 120], [100, 100, 100])
    with pytest.raises(ValueError, match="two distinct"):
        _grid([5, 5], [100, 100])
    with pytest.raises(ValueError, match="positive"):
        _grid([0, 0.1, 0.2], [100, 100, 100])
    with pytest.raises(ValueError, match="no readings"):
        day_by_day_grid(prepare_readings(np.array([], dtype=np.int64), []), "UTC")


def test_a_given_dt0_works_for_one_reading_and_wide_sampling():
    assert _grid([10], [100], dt0=5).flat[1] == 100.0
    grid = _grid([0, 60, 120], [100, 110, 120], dt0=5)
    assert grid.flat[11] == 110.0  # 01:00 is on a reading; points between are in gaps
    assert np.count_nonzero(~np.isnan(grid.flat)) == 2


def test_grid_across_a_dst_switch_steps_in_elapsed_time():
    berlin = ZoneInfo("Europe/Berlin")
    first = int(datetime(2024, 3, 30, 22, 0, tzinfo=berlin).timestamp()) * 1000
    times = first + np.arange(0, 2 * 288) * 5 * MINUTE
    grid = day_by_day_grid(prepare_readings(times, np.full(times.size, 100.0)), "Europe/Berlin")
    midnight = int(datetime(2024, 3, 30, tzinfo=berlin).timestamp()) * 1000
    assert grid.start_ms == midnight
    assert grid.values.shape == (3, 288)  # rows of 24 elapsed hours
    assert grid.time_ms(288) - grid.time_ms(0) == 24 * 60 * MINUTE
    assert not np.isnan(grid.flat[22 * 12 - 1 : 22 * 12 - 1 + times.size]).any()


def test_grid_reaches_the_last_reading_after_a_25_hour_first_day():
    berlin = ZoneInfo("Europe/Berlin")
    # 2024-10-27 has 25 h; its 23:50 is 24 h 50 min after local midnight.
    first = int(datetime(2024, 10, 27, 23, 50, tzinfo=berlin).timestamp()) * 1000
    times = first + np.arange(0, 285) * 5 * MINUTE  # 23 h 40 min of readings
    grid = day_by_day_grid(prepare_readings(times, np.arange(285.0) + 40), "Europe/Berlin")
    last_point = (times[-1] - grid.start_ms) // (5 * MINUTE) - 1
    assert grid.values.size > last_point
    assert grid.flat[last_point] == 40 + 284
