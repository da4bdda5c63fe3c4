"""MAGE, the Mean Amplitude of Glycemic Excursions, as iglu 4.3.0 computes it.

Service FJ, Molnar GD, Rosevear JW, et al. *Mean amplitude of glycemic excursions, a measure of
diabetic instability.* Diabetes 1970;19(9):644–655, doi:10.2337/diab.19.9.644, emulated by the
moving-average algorithm of Fernandes NJ, Nguyen N, Chun E, Punjabi NM, Gaynanova I.
*Open-source algorithm to calculate mean amplitude of glycemic excursions using short and long
moving averages.* J Diabetes Sci Technol 2022;16(2):576–577, doi:10.1177/19322968211061165.

This follows iglu's ``mage(version = "ma")`` (R/mage.R, R/mage_ma_single.R; METRICS.md §8.3):

1. Interpolate onto a 5-min day-by-day grid (``CGMS2DayByDay(dt0 = 5, inter_gap = 45)``) and
   drop the leading and trailing NaNs.
2. Split the trace at runs of NaN longer than ``max_gap`` (180) minutes; each such run is a
   segment of its own, without a value.
3. Per segment: no value with fewer than 7 points, fewer than ``long_ma`` points or an SD below
   1. Otherwise right-aligned moving means over 5 and 32 points, skipping NaNs, whose leading
   values are filled with the first full-window value.
4. The crossings of short − long, plus the first and the last point, bound the intervals in
   which the nadir or peak of the interpolated glucose is taken.
5. Excursions of at least one sample SD of the segment count; MAGE+ (nadir to peak) and MAGE−
   (peak to nadir) are found by two separate scans and averaged separately.
6. The source's MAGE is the mean of the segment values weighted by segment duration
   (last − first grid point); ``direction`` picks which values: ``avg`` (both), ``plus``,
   ``minus``, ``max`` (the larger per segment) or ``service`` (the direction of the segment's
   first excursion).

iglu quirks reproduced on purpose, because the reference values depend on them:

* The MAGE+ scan restarts its search for the next nadir at the point where the previous
  excursion was confirmed (``prev_j = k``), while the MAGE− scan restarts at the nadir it just
  used (``prev_j = j``).
* A crossing is also recorded where the difference of the moving means has the opposite sign to
  the one at the previous crossing, even without a sign change from the point before (this
  catches crossings across NaNs and zeros).
* Where short − long only touches zero without changing sign (on plateaus, or when the trace
  starts flat so that the first difference is exactly 0, against which every later one is
  compared) no crossing is recorded, and such a segment may get no MAGE at all.
* With ``direction = "max"`` a segment in which MAGE+ or MAGE− is missing is dropped, and a
  segment in which both are equal counts twice (``filter(mage == max(mage))`` keeps both rows).
* With ``direction = "plus"`` or ``"minus"`` one segment without that direction makes the
  whole result missing (NA in R's weighted sum).

The moving means sum each window directly (not by differences of a running sum), in doubles;
R's ``mean`` sums in long double. Only the sign of short − long matters, and on a year of
readings a last-bit difference near zero moved MAGE by up to 1.3% (61 of 400 windows of a
simulated cohort changed when the summation order did). So wherever the difference is within
rounding noise of zero it is R's, computed as R computes it (``excursions.moving_mean_difference``).

``mage_naive`` is iglu's ``version = "naive"``: the mean of |g − mean| over the readings where
it exceeds ``sd_multiplier`` sample SDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from glucolake.metrics.excursions import (
    moving_mean_difference,
    nadir_to_peak,
    peak_to_nadir,
    turning_points,
)
from glucolake.metrics.grid import DEFAULT_INTER_GAP, day_by_day_grid

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from glucolake.metrics.grid import DayByDayGrid
    from glucolake.metrics.readings import Readings

__all__ = [
    "MAGE_GRID_MINUTES",
    "MageDirection",
    "MageSegment",
    "mage",
    "mage_from_segments",
    "mage_naive",
    "mage_segments",
]

MageDirection = Literal["avg", "service", "max", "plus", "minus"]

MAGE_GRID_MINUTES = 5
"""iglu always interpolates to a 5-min grid for MAGE, whatever the sensor's interval."""

_FEWEST_POINTS = 7
_SMALLEST_SD = 1.0


@dataclass(frozen=True)
class MageSegment:
    """One piece of the trace between gaps longer than ``max_gap``, with its MAGE values.

    Attributes:
        start_index: Flat grid index of the segment's first point.
        end_index: Flat grid index of its last point (inclusive).
        plus: Mean nadir-to-peak amplitude, or None if there is none.
        minus: Mean peak-to-nadir amplitude (positive), or None if there is none.
        plus_first: Whether the first counted excursion is nadir-to-peak; None when the
            segment has no excursions (iglu's single NA row).
    """

    start_index: int
    end_index: int
    plus: float | None
    minus: float | None
    plus_first: bool | None

    @property
    def scored(self) -> bool:
        """Whether the segment has at least one counted excursion."""
        return self.plus_first is not None


@dataclass(frozen=True)
class _Row:
    """One row of iglu's per-segment data frame (``return_type = "df"``)."""

    minutes: int
    mage: float | None
    direction: Literal["PLUS", "MINUS"] | None
    first_excursion: bool | None


def mage(
    readings: Readings,
    tz: str,
    *,
    direction: MageDirection = "avg",
    short_ma: int = 5,
    long_ma: int = 32,
    inter_gap: float = DEFAULT_INTER_GAP,
    max_gap: float = 180,
) -> float | None:
    """MAGE of one source by iglu's moving-average algorithm (its default ``mage(data)``).

    Args:
        readings: The source's readings, sorted by time.
        tz: The source's IANA time zone (anchors the grid at local midnight).
        direction: Which excursions to average, see the module docstring.
        short_ma: Short moving-average window in 5-min points.
        long_ma: Long moving-average window in 5-min points.
        inter_gap: Longest gap in minutes bridged by interpolation.
        max_gap: Longest run of missing grid points, in minutes, that does not split the trace.

    Returns:
        MAGE in mg/dL, or None where iglu returns NA.
    """
    if readings.count == 0:
        return None
    grid = day_by_day_grid(readings, tz, dt0=MAGE_GRID_MINUTES, inter_gap=inter_gap)
    segments = mage_segments(grid, short_ma=short_ma, long_ma=long_ma, max_gap=max_gap)
    return mage_from_segments(segments, grid.dt0, direction)


def mage_segments(
    grid: DayByDayGrid, *, short_ma: int = 5, long_ma: int = 32, max_gap: float = 180
) -> list[MageSegment]:
    """Split the grid trace at long gaps and find MAGE+ and MAGE− on each piece.

    Args:
        grid: The interpolated grid (iglu uses a 5-min grid).
        short_ma: Short moving-average window, in points of a 5-min grid.
        long_ma: Long moving-average window, in points of a 5-min grid.
        max_gap: Longest run of missing grid points, in minutes, that does not split the trace.

    Returns:
        The segments in time order, gaps included; empty where iglu returns NA for the whole
        trace (no values, or fewer than 7 or fewer than ``long_ma`` grid points).
    """
    # iglu rescales the windows, defined for 5-min data, to the grid step (a no-op at 5 min).
    short = round(short_ma * MAGE_GRID_MINUTES / grid.dt0)
    long = round(long_ma * MAGE_GRID_MINUTES / grid.dt0)
    if short >= long:
        short, long = long, short
    flat = grid.flat
    present = np.flatnonzero(~np.isnan(flat))
    if present.size == 0:
        return []
    first, last = int(present[0]), int(present[-1])
    trace = flat[first : last + 1]
    if trace.size < _FEWEST_POINTS or trace.size < long:
        return []

    segments = []
    for start, end, is_gap in _split_at_long_gaps(trace, grid.dt0, max_gap):
        piece = trace[start : end + 1]
        if is_gap:
            plus, minus, plus_first = None, None, None
        else:
            plus, minus, plus_first = _segment_mage(piece, short, long)
        segments.append(MageSegment(first + start, first + end, plus, minus, plus_first))
    return segments


def mage_from_segments(
    segments: list[MageSegment], dt0: int, direction: MageDirection = "avg"
) -> float | None:
    """Combine per-segment MAGE values, weighted by segment duration, as iglu does.

    Args:
        segments: Output of :func:`mage_segments`.
        dt0: Grid step in minutes (segment durations are index differences times dt0).
        direction: Which values to combine, see the module docstring.

    Returns:
        The weighted MAGE, or None where iglu returns NA or NaN.

    Raises:
        ValueError: For an unknown direction.
    """
    rows = _rows(segments, dt0)
    if direction == "avg":
        chosen = [row for row in rows if row.mage is not None]
    elif direction in {"plus", "minus"}:
        chosen = [row for row in rows if row.direction == direction.upper()]
    elif direction == "service":
        chosen = [row for row in rows if row.first_excursion is True]
    elif direction == "max":
        chosen = _larger_direction_rows(segments, dt0)
    else:
        raise ValueError(f"unknown MAGE direction {direction!r}")
    weighted = [(row.mage, row.minutes) for row in chosen if row.mage is not None]
    if not chosen or len(weighted) < len(chosen):
        return None  # R's weighted sum is NA as soon as one chosen value is
    total = sum(minutes for _, minutes in weighted)
    if total == 0:
        return None  # segments of a single point: R divides 0 by 0
    return float(sum(value * (minutes / total) for value, minutes in weighted))


def mage_naive(glucose: NDArray[np.float64], sd_multiplier: float = 1.0) -> float | None:
    """Naive MAGE (iglu): mean |g − mean| over readings where it exceeds sd_multiplier · SD."""
    if glucose.size < 2:  # noqa: PLR2004 - the sample SD needs two readings
        return None
    deviation = np.abs(glucose - np.mean(glucose))
    large = deviation[deviation > sd_multiplier * np.std(glucose, ddof=1)]
    if large.size == 0:
        return None
    return float(np.mean(large))


def _rows(segments: list[MageSegment], dt0: int) -> list[_Row]:
    rows = []
    for segment in segments:
        minutes = (segment.end_index - segment.start_index) * dt0
        if segment.plus_first is None:
            rows.append(_Row(minutes, None, None, None))
            continue
        rows.append(_Row(minutes, segment.plus, "PLUS", segment.plus_first))
        rows.append(_Row(minutes, segment.minus, "MINUS", not segment.plus_first))
    return rows


def _larger_direction_rows(segments: list[MageSegment], dt0: int) -> list[_Row]:
    """Rows kept by iglu's ``group_by(start, end) %>% filter(mage == max(mage))``."""
    rows = []
    for segment in segments:
        if segment.plus is None or segment.minus is None:
            continue  # max() of a group with an NA is NA, and the filter drops the group
        minutes = (segment.end_index - segment.start_index) * dt0
        larger = max(segment.plus, segment.minus)
        if segment.plus == larger:
            rows.append(_Row(minutes, segment.plus, "PLUS", segment.plus_first))
        if segment.minus == larger:
            rows.append(_Row(minutes, segment.minus, "MINUS", not segment.plus_first))
    return rows


def _split_at_long_gaps(
    trace: NDArray[np.float64], dt0: int, max_gap: float
) -> list[tuple[int, int, bool]]:
    """``(start, end, is_gap)`` pieces of a trace that starts and ends with a value."""
    missing = np.isnan(trace)
    edges = np.flatnonzero(np.diff(missing.astype(np.int8))) + 1
    run_starts = np.r_[0, edges]
    run_ends = np.r_[edges - 1, trace.size - 1]
    pieces: list[tuple[int, int, bool]] = []
    piece_start = 0
    for run_start, run_end in zip(run_starts.tolist(), run_ends.tolist(), strict=True):
        if missing[run_start] and (run_end - run_start + 1) * dt0 > max_gap:
            pieces.append((piece_start, run_start - 1, False))
            pieces.append((run_start, run_end, True))
            piece_start = run_end + 1
    pieces.append((piece_start, trace.size - 1, False))
    return pieces


def _segment_mage(
    glucose: NDArray[np.float64], short: int, long: int
) -> tuple[float | None, float | None, bool | None]:
    """Port of iglu's ``mage_atomic``: (MAGE+, MAGE−, plus first) of a segment, or Nones."""
    values = glucose[~np.isnan(glucose)]
    if glucose.size < _FEWEST_POINTS or glucose.size < long:
        return None, None, None
    sd = float(np.std(values, ddof=1))
    if sd < _SMALLEST_SD:
        return None, None, None
    delta = moving_mean_difference(glucose, short, long)
    extremes = turning_points(glucose, delta)
    plus, plus_pairs = nadir_to_peak(extremes, sd)
    minus, minus_pairs = peak_to_nadir(extremes, sd)
    if not plus and not minus:
        return None, None, None
    plus_first = bool(plus) and (not minus or plus_pairs[0][1] <= minus_pairs[0][0])
    plus_mean = float(np.mean(plus)) if plus else None
    minus_mean = abs(float(np.mean(minus))) if minus else None
    return plus_mean, minus_mean, plus_first
