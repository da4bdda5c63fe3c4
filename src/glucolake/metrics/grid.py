"""iglu's ``CGMS2DayByDay``: glucose linearly interpolated onto a regular day-by-day grid.

iglu 4.3.0 (R/utils.R; METRICS.md §8.1) builds this grid for CONGA, MODD and MAGE:

1. Repeated timestamps keep their **last** reading (after a stable sort by time).
2. ``dt0`` is the median interval between readings in minutes, rounded half to even, unless
   given. It is an error if ``dt0 > inter_gap``. If 1440 is not a multiple of ``dt0``, a
   ``dt0`` above 20 becomes 20 and any other is rounded to a multiple of 5.
3. ``ndays = ceiling(days(last − first) + 1)``; grid point k (k = 1 … ndays · 1440/dt0) lies
   k · dt0 minutes after 00:00 of the first reading's day, so the first point is 00:05 and the
   last is 24:00 of the last day (for dt0 = 5).
4. ``stats::approx`` interpolates linearly, computing ``y[i] + (y[j] − y[i]) · ((v − x[i]) /
   (x[j] − x[i]))`` exactly as below, and never extrapolates (NaN outside the readings).
5. Grid points **strictly inside** a gap longer than ``inter_gap`` minutes are NaN.

Time zones and DST, a choice documented here: the grid is anchored at the UTC instant of local
midnight of the first reading's local day (what iglu's ``hour(minD) <- 0`` gives in the data's
zone) and then advances in steps of exactly ``dt0`` minutes of **elapsed** time. Across a DST
switch a grid "row" is therefore 24 elapsed hours, not a local calendar day, and MODD compares
readings exactly 24 h apart. This keeps every interval of the grid equal, so CONGA's and MODD's
lags and MAGE's moving averages and segment durations mean the same thing on switch days as on
any other; the cost is that after a switch the rows are shifted by the DST offset from local
midnight. For a zone without DST (like the reference data, fixed UTC−05:00) both readings of
"day" coincide. ``ndays`` is raised, if needed, so that the grid reaches the last reading even
when the first local day is 25 h long.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from glucolake.metrics.local_time import local_midnight_ms
from glucolake.metrics.readings import (
    MS_PER_DAY,
    MS_PER_MINUTE,
    keep_last_of_repeated_times,
    median_interval_minutes,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from glucolake.metrics.readings import Readings

__all__ = ["DEFAULT_INTER_GAP", "DayByDayGrid", "day_by_day_grid", "grid_step_minutes"]

DEFAULT_INTER_GAP = 45
"""Minutes; iglu interpolates across gaps up to this long and leaves longer ones empty."""

_MINUTES_PER_DAY = 1440
_LARGEST_UNEVEN_STEP = 20
_STEP_ROUNDING = 5


@dataclass(frozen=True)
class DayByDayGrid:
    """Interpolated glucose on a regular grid, one row per 24 h from local midnight.

    Attributes:
        values: ``(ndays, 1440 / dt0)`` float64 matrix; NaN where no value may be interpolated.
        dt0: Grid step in minutes (divides 1440).
        start_ms: UTC instant of local midnight of the first day; the flat grid point ``k``
            (0-based, row by row) lies at ``start_ms + (k + 1) · dt0`` minutes.
    """

    values: NDArray[np.float64]
    dt0: int
    start_ms: int

    @property
    def flat(self) -> NDArray[np.float64]:
        """The grid values day after day, as one vector (iglu's ``as.vector(t(gd2d))``)."""
        flat: NDArray[np.float64] = self.values.reshape(-1)
        return flat

    def time_ms(self, index: int) -> int:
        """The UTC instant of flat grid point ``index`` (0-based)."""
        return self.start_ms + (index + 1) * self.dt0 * MS_PER_MINUTE


def grid_step_minutes(dt0: int) -> int:
    """Adjust ``dt0`` as iglu does, to a step that divides a day into equal parts."""
    if _MINUTES_PER_DAY % dt0 == 0:
        return dt0
    if dt0 > _LARGEST_UNEVEN_STEP:
        return _LARGEST_UNEVEN_STEP
    remainder = dt0 % _STEP_ROUNDING
    if remainder > _STEP_ROUNDING // 2:
        return dt0 + _STEP_ROUNDING - remainder
    return dt0 - remainder


def day_by_day_grid(
    readings: Readings,
    tz: str,
    *,
    dt0: int | None = None,
    inter_gap: float = DEFAULT_INTER_GAP,
) -> DayByDayGrid:
    """Interpolate one source's readings onto iglu's day-by-day grid.

    Args:
        readings: The source's readings, sorted by time (see ``prepare_readings``).
        tz: The source's IANA time zone, which fixes local midnight of the first day.
        dt0: Grid step in minutes; by default the rounded median interval between readings.
        inter_gap: Longest gap in minutes that is bridged by interpolation.

    Returns:
        The grid.

    Raises:
        ValueError: If there are no readings, if ``dt0`` cannot be derived (fewer than two
            distinct instants) or is not positive, or if ``dt0 > inter_gap`` (iglu stops there).
    """
    distinct = keep_last_of_repeated_times(readings)
    times, glucose = distinct.epoch_ms, distinct.glucose
    if times.size == 0:
        raise ValueError("no readings to interpolate")
    if dt0 is None:
        dt0 = median_interval_minutes(times)
        if dt0 is None:
            raise ValueError("the sampling interval needs at least two distinct reading times")
    if dt0 <= 0:
        raise ValueError(f"the grid step must be positive, got dt0 = {dt0} min")
    if dt0 > inter_gap:
        raise ValueError(
            f"the sampling interval, {dt0} min, is above the largest interpolation gap of "
            f"{inter_gap} min"
        )
    dt0 = grid_step_minutes(dt0)

    first, last = int(times[0]), int(times[-1])
    start = local_midnight_ms(first, tz)
    ndays = max(
        math.ceil((last - first) / MS_PER_DAY + 1),
        math.ceil((last - start) / MS_PER_DAY),
    )
    points_per_day = _MINUTES_PER_DAY // dt0
    step_ms = dt0 * MS_PER_MINUTE
    grid_ms = start + step_ms * np.arange(1, ndays * points_per_day + 1, dtype=np.int64)

    values = _interpolate(times, glucose, grid_ms, inter_gap)
    return DayByDayGrid(values=values.reshape(ndays, points_per_day), dt0=dt0, start_ms=start)


def _interpolate(
    times: NDArray[np.int64],
    glucose: NDArray[np.float64],
    grid_ms: NDArray[np.int64],
    inter_gap: float,
) -> NDArray[np.float64]:
    """``stats::approx`` on strictly increasing times, with NaN inside gaps over inter_gap."""
    values = np.full(grid_ms.size, np.nan)
    inside = (grid_ms >= times[0]) & (grid_ms <= times[-1])
    points = grid_ms[inside]
    # left[i] is the last reading at or before the grid point.
    left = np.searchsorted(times, points, side="right") - 1
    on_reading = times[left] == points
    right = np.minimum(left + 1, times.size - 1)
    # Integer differences of milliseconds are exact, like R's differences of whole seconds.
    fraction = np.where(
        on_reading,
        0.0,
        (points - times[left]).astype(np.float64)
        / np.maximum(times[right] - times[left], 1).astype(np.float64),
    )
    # On a reading the fraction is 0, so this is exactly that reading, as in approx.
    interpolated = glucose[left] + (glucose[right] - glucose[left]) * fraction
    # Points strictly inside a long gap get no value; a point on a reading keeps it.
    long_gap_after = np.r_[np.diff(times) > inter_gap * MS_PER_MINUTE, False]
    interpolated[long_gap_after[left] & ~on_reading] = np.nan
    values[inside] = interpolated
    return values
