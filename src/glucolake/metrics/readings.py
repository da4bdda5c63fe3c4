"""Validated, time-ordered readings of one source, and the facts iglu derives from their times.

Every metric here works on the readings of **one** source (one subject in iglu's terms). The
functions in this module put them into the shape iglu assumes before it computes anything:

* readings with a missing (NaN) glucose value are dropped, like iglu's ``filter(!is.na(gl))``;
* readings are sorted by time with a *stable* sort, so where two readings share a timestamp
  their input order is kept and "the later reading" means the one that came later in the input;
* glucose must be finite and at least 1 mg/dL: the Kovatchev risk transform ``ln(g)^1.084`` is
  not defined below 1 (a negative base to a fractional power), and sensors report ≥ 39 mg/dL.

Two iglu helpers treat repeated timestamps differently, and both are reproduced on purpose:
``CGMS2DayByDay`` (the interpolation grid) keeps the **last** reading of a repeated timestamp,
while ``check_data_time`` (used by ``active_percent`` and ``gri``) **averages** them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "MS_PER_DAY",
    "MS_PER_MINUTE",
    "Readings",
    "average_repeated_times",
    "distinct_times",
    "keep_last_of_repeated_times",
    "median_interval_minutes",
    "prepare_readings",
]

MS_PER_MINUTE = 60_000
MS_PER_DAY = 86_400_000
_LOWEST_GLUCOSE = 1.0


@dataclass(frozen=True)
class Readings:
    """Readings of one source sorted by time, as iglu sees them after dropping NAs.

    Attributes:
        epoch_ms: UTC instants in milliseconds since the Unix epoch, non-decreasing (int64).
        glucose: Glucose in mg/dL at those instants (float64), finite and ≥ 1.
    """

    epoch_ms: NDArray[np.int64]
    glucose: NDArray[np.float64]

    @property
    def count(self) -> int:
        """The number of readings."""
        return int(self.glucose.size)


def prepare_readings(epoch_ms: ArrayLike, glucose: ArrayLike) -> Readings:
    """Validate the readings of one source, drop missing glucose values and sort them by time.

    Args:
        epoch_ms: UTC instants in milliseconds since the epoch, in any order (integers).
        glucose: Glucose values in mg/dL, one per instant; NaN marks a missing value.

    Returns:
        The readings with a glucose value, sorted by time (stable, so ties keep input order).

    Raises:
        ValueError: If the arrays are not one-dimensional and of equal length, if the times are
            not integers, or if a glucose value is infinite or below 1 mg/dL.
    """
    times = np.asarray(epoch_ms)
    values = np.asarray(glucose, dtype=np.float64)
    if times.ndim != 1 or values.ndim != 1 or times.shape != values.shape:
        raise ValueError(
            f"epoch_ms and glucose must be 1-D arrays of equal length, got shapes "
            f"{times.shape} and {values.shape}"
        )
    if times.size and not np.issubdtype(times.dtype, np.integer):
        raise ValueError(f"epoch_ms must hold integers (milliseconds), got dtype {times.dtype}")
    times = times.astype(np.int64, copy=False)
    present = ~np.isnan(values)
    times, values = times[present], values[present]
    if values.size and not (np.isfinite(values).all() and values.min() >= _LOWEST_GLUCOSE):
        raise ValueError("glucose values must be finite and at least 1 mg/dL")
    order = np.argsort(times, kind="stable")
    return Readings(epoch_ms=times[order], glucose=values[order])


def keep_last_of_repeated_times(readings: Readings) -> Readings:
    """Drop all but the last reading of each repeated timestamp, as iglu's CGMS2DayByDay does."""
    times = readings.epoch_ms
    is_last = np.ones(times.size, dtype=bool)
    is_last[:-1] = times[1:] != times[:-1]
    return Readings(epoch_ms=times[is_last], glucose=readings.glucose[is_last])


def average_repeated_times(readings: Readings) -> Readings:
    """Replace the readings of each repeated timestamp by their mean, as iglu's check_data_time."""
    times = readings.epoch_ms
    if times.size == 0:
        return readings
    is_first = np.ones(times.size, dtype=bool)
    is_first[1:] = times[1:] != times[:-1]
    if is_first.all():
        return readings
    group = np.cumsum(is_first) - 1
    sums = np.bincount(group, weights=readings.glucose)
    counts = np.bincount(group)
    return Readings(epoch_ms=times[is_first], glucose=sums / counts)


def distinct_times(epoch_ms: NDArray[np.int64]) -> NDArray[np.int64]:
    """The distinct instants in increasing order (cheaper than np.unique on sorted input)."""
    ordered = np.sort(epoch_ms)
    is_new = np.ones(ordered.size, dtype=bool)
    is_new[1:] = ordered[1:] != ordered[:-1]
    distinct: NDArray[np.int64] = ordered[is_new]
    return distinct


def median_interval_minutes(epoch_ms: NDArray[np.int64]) -> int | None:
    """The ``dt0`` of iglu: the median gap between distinct instants, rounded to whole minutes.

    R's ``round`` rounds halves to even, like :func:`numpy.round`. Returns None when there are
    fewer than two distinct instants, since there is then no interval to take the median of.
    """
    distinct = distinct_times(epoch_ms)
    if distinct.size < 2:  # noqa: PLR2004 - one interval needs two instants
        return None
    minutes = np.diff(distinct) / MS_PER_MINUTE
    return int(np.round(np.median(minutes)))
