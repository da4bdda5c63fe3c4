"""summarize() against iglu 4.3.0 on example_data_5_subject (METRICS.md §4)."""

from __future__ import annotations

import csv
import functools
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from glucolake.metrics import (
    SUMMARY_KEYS,
    day_by_day_grid,
    mage_from_segments,
    mage_naive,
    mage_segments,
    prepare_readings,
    summarize,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "iglu"
DATA_TZ = "Etc/GMT+5"  # the R objects' tzone "EST": fixed UTC−05:00, no DST
SUBJECTS = [f"Subject {n}" for n in range(1, 6)]
TOLERANCE = 1e-9


def _epoch_ms(wall_clock: str) -> int:
    local = datetime.fromisoformat(wall_clock).replace(tzinfo=ZoneInfo(DATA_TZ))
    return int(local.timestamp()) * 1000


def _wall_clock(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, ZoneInfo(DATA_TZ)).strftime("%Y-%m-%dT%H:%M:%S")


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


@functools.cache
def _readings() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    by_subject: dict[str, tuple[list[int], list[float]]] = {}
    for row in _rows("iglu_example_data_5_subject.csv"):
        times, values = by_subject.setdefault(row["id"], ([], []))
        times.append(_epoch_ms(row["time"]))
        values.append(float(row["gl"]))
    return {
        subject: (np.array(times, dtype=np.int64), np.array(values))
        for subject, (times, values) in by_subject.items()
    }


@functools.cache
def _summary(subject: str) -> dict[str, float | int | None]:
    times, values = _readings()[subject]
    return summarize(times, values, DATA_TZ)


def _reference(name: str) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in _rows(name)}


def _assert_close(actual: float | None, expected: float) -> None:
    assert actual is not None
    if expected == 0:
        assert abs(actual) <= TOLERANCE
    else:
        assert abs(actual - expected) <= TOLERANCE * abs(expected)


@pytest.mark.parametrize("key", SUMMARY_KEYS)
@pytest.mark.parametrize("subject", SUBJECTS)
def test_summary_matches_iglu(subject, key):
    expected = float(_reference("iglu_reference_metrics.csv")[subject][key])
    _assert_close(_summary(subject)[key], expected)


def test_n_readings_is_an_exact_int():
    for subject in SUBJECTS:
        n = _summary(subject)["n_readings"]
        assert type(n) is int
        assert n == int(_reference("iglu_reference_metrics.csv")[subject]["n_readings"])


@pytest.mark.parametrize("subject", SUBJECTS)
def test_summary_does_not_depend_on_input_order(subject):
    times, values = _readings()[subject]
    shuffled = np.random.default_rng(7).permutation(times.size)
    assert summarize(times[shuffled], values[shuffled], DATA_TZ) == _summary(subject)


@pytest.mark.parametrize("direction", ["avg", "plus", "minus", "max", "service"])
@pytest.mark.parametrize("subject", SUBJECTS)
def test_mage_directions_match_iglu(subject, direction):
    times, values = _readings()[subject]
    grid = day_by_day_grid(prepare_readings(times, values), DATA_TZ, dt0=5)
    expected = float(
        _reference("iglu_supplementary_mage_variants_grid.csv")[subject][f"mage_{direction}"]
    )
    _assert_close(mage_from_segments(mage_segments(grid), grid.dt0, direction), expected)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_naive_mage_and_grid_shape_match_iglu(subject):
    times, values = _readings()[subject]
    readings = prepare_readings(times, values)
    reference = _reference("iglu_supplementary_mage_variants_grid.csv")[subject]
    _assert_close(mage_naive(readings.glucose), float(reference["mage_naive_sd1"]))
    grid = day_by_day_grid(readings, DATA_TZ)
    assert grid.dt0 == int(reference["dt0_auto"])
    assert grid.values.shape[0] == int(reference["ndays_grid"])
    assert np.count_nonzero(~np.isnan(grid.values)) == int(reference["n_grid_nonNA"])
    assert _wall_clock(grid.start_ms) == reference["first_grid_day"] + "T00:00:00"
    long_gaps = np.count_nonzero(np.diff(readings.epoch_ms) > 45 * 60_000)
    assert long_gaps == int(reference["n_gaps_gt_45min"])


@pytest.mark.parametrize("subject", SUBJECTS)
def test_mage_segments_match_iglu(subject):
    times, values = _readings()[subject]
    grid = day_by_day_grid(prepare_readings(times, values), DATA_TZ, dt0=5)
    expected = [
        row for row in _rows("iglu_supplementary_mage_segments.csv") if row["id"] == subject
    ]
    actual = []
    for segment in mage_segments(grid):
        start, end = (
            _wall_clock(grid.time_ms(segment.start_index)),
            _wall_clock(grid.time_ms(segment.end_index)),
        )
        if not segment.scored:
            actual.append((start, end, None, None, None))
            continue
        actual.append((start, end, segment.plus, "PLUS", segment.plus_first))
        actual.append((start, end, segment.minus, "MINUS", not segment.plus_first))
    assert len(actual) == len(expected)
    for (start, end, value, direction, first), row in zip(actual, expected, strict=True):
        assert (start, end) == (row["start"], row["end"])
        if row["mage"] == "NA":
            assert (value, direction, first) == (None, None, None)
        else:
            _assert_close(value, float(row["mage"]))
            assert direction == row["plus_or_minus"]
            assert first == (row["first_excursion"] == "TRUE")
