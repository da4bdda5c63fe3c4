"""The excursion scan inside iglu's MAGE (Fernandes et al. 2022, iglu 4.3.0's mage_ma_single).

Moving averages, their crossings, the turning points between them, and the excursions that
count. :mod:`glucolake.metrics.mage` cuts the trace into segments and weights their results.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "crossings",
    "moving_mean",
    "moving_mean_difference",
    "nadir_to_peak",
    "peak_to_nadir",
    "turning_points",
]

# Our moving means and R's differ by rounding only: at most 32 additions of values below 10^3,
# about 10^-11 mg/dL. A difference of the two means this close to zero may have another sign
# in R, and its sign decides the crossings, so there it is computed as R does.
_ROUNDING_NOISE = 1e-9


def moving_mean(values: NDArray[np.float64], width: int) -> NDArray[np.float64]:
    """``zoo::rollapply(mean, na.rm = TRUE, align = "right")`` with iglu's leading fill."""
    if not 0 < width <= values.size:
        raise ValueError(f"a moving mean over {width} points needs that many, got {values.size}")
    missing = np.isnan(values)
    filled = np.where(missing, 0.0, values)
    # Each window summed left to right, one shift at a time: `width` additions of whole arrays
    # are several times faster than reducing each window of a strided view. The result may
    # differ from R's in the last bit; moving_mean_difference settles what that could change.
    count = values.size - width + 1
    sums = filled[:count].copy()
    for shift in range(1, width):
        sums += filled[shift : shift + count]
    # Counts are integers, so a difference of running totals is exact (and 4x faster).
    present = np.cumsum(~missing)
    counts = present[width - 1 :] - np.r_[0, present[:-width]]
    means = np.full(values.size, np.nan)
    # A window without values has no mean (R: NaN), which np.divide leaves untouched.
    np.divide(sums, counts, out=means[width - 1 :], where=counts > 0)
    means[: width - 1] = means[width - 1]
    return means


def moving_mean_difference(
    glucose: NDArray[np.float64], short: int, long: int
) -> NDArray[np.float64]:
    """``MA_Short - MA_Long`` as iglu gets it: R's own value where only rounding parts it from 0.

    Only the sign of the difference matters downstream (crossings), and R's is decided by R's
    means, which sum in long double and correct once (``real_mean`` in R's summary.c). A point
    where the difference is within rounding noise of zero, as on a flat stretch, is computed
    that way: the crossings are R's, whatever rounding our double sums had.
    """
    delta = moving_mean(glucose, short) - moving_mean(glucose, long)
    near_zero = np.flatnonzero(np.abs(delta) <= _ROUNDING_NOISE)
    if near_zero.size == 0:
        return delta
    # Points before a full window carry the first full window's mean (iglu's fill); either way
    # the long window holds the short one. Two cases need no second look. Whole numbers: their
    # sums are exact, so both our means and R's are the quotient rounded once (a mean of at
    # most 32 whole numbers never lies near enough a tie for R's long double to round it
    # otherwise). And a long window whose only values are the short one's (after a gap): both
    # means are of the same values, summed in the same order, here and in R: exactly 0.
    short_ends, long_ends = np.maximum(near_zero, short - 1), np.maximum(near_zero, long - 1)
    present = np.r_[0, np.cumsum(~np.isnan(glucose))]
    fractional = np.r_[0, np.cumsum((glucose != np.floor(glucose)) & ~np.isnan(glucose))]
    inexact = (fractional[long_ends + 1] > fractional[long_ends + 1 - long]) & (
        present[long_ends + 1] - present[long_ends + 1 - long]
        > present[short_ends + 1] - present[short_ends + 1 - short]
    )
    for i in near_zero[inexact].tolist():
        delta[i] = _r_mean(glucose, max(i, short - 1), short) - _r_mean(
            glucose, max(i, long - 1), long
        )
    return delta


def _r_mean(values: NDArray[np.float64], end: int, width: int) -> float:
    """R's ``mean(x, na.rm = TRUE)`` of the ``width`` values ending at ``end``, bit for bit.

    As R's ``real_mean``: a long double sum, divided, then corrected by the long double sum of
    the residuals, and rounded to double once. numpy's longdouble is x87 extended precision on
    x86-64 Linux, as is R's long double there.
    """
    window = values[end - width + 1 : end + 1]
    present = window[~np.isnan(window)].tolist()
    if not present:
        return math.nan
    total = np.longdouble(0)
    for value in present:
        total += value
    mean = total / len(present)
    if np.isfinite(mean):
        residual = np.longdouble(0)
        for value in present:
            residual += value - mean
        mean += residual / len(present)
    return float(mean)


def crossings(glucose: NDArray[np.float64], delta: NDArray[np.float64]) -> list[tuple[int, bool]]:
    """``(index, is_peak_interval)`` of the first point, every crossing, and the last point.

    iglu walks every point; here only the points where a crossing is possible are visited:
    points where short − long changes sign from the previous point, or has the opposite sign
    to the previous such point (iglu compares with the delta at the last crossing, whose sign
    is that of the last non-zero valid point, or 0).
    """
    complete = ~np.isnan(glucose) & ~np.isnan(delta)
    valid = np.zeros(glucose.size, dtype=bool)
    valid[1:] = complete[1:] & complete[:-1]
    with np.errstate(invalid="ignore"):
        sign_change = np.zeros(glucose.size, dtype=bool)
        sign_change[1:] = valid[1:] & (delta[1:] * delta[:-1] < 0)
    nonzero = np.flatnonzero(valid & (delta != 0))
    signs = np.sign(delta[nonzero])
    is_new_sign = np.ones(nonzero.size, dtype=bool)
    is_new_sign[1:] = signs[1:] != signs[:-1]
    new_sign = nonzero[is_new_sign]
    candidates = np.union1d(np.flatnonzero(sign_change), new_sign)

    delta_list = delta.tolist()
    crossings = [(0, delta_list[0] > 0)]
    last_delta = delta_list[0]
    for index in candidates.tolist():
        current, previous = delta_list[index], delta_list[index - 1]
        if current * previous < 0:
            crossings.append((index, not current < previous))
        elif current * last_delta < 0:
            crossings.append((index, not current < last_delta))
        else:
            continue
        last_delta = current
    crossings.append((glucose.size - 1, delta_list[-1] > 0))
    return crossings


def turning_points(glucose: NDArray[np.float64], delta: NDArray[np.float64]) -> list[float]:
    """The nadir or peak glucose between consecutive crossings (iglu's ``minmax``).

    iglu searches each interval from the previous turning point, not from the interval's first
    crossing: a window is the interval's own stretch [crossing, next crossing] with a lead-in
    from the previous turning point. The previous turning point is nearly always that interval's
    own extreme (97% of a year's windows), so every window is first reduced at once assuming
    so; the windows whose lead-in came out otherwise are searched again, one by one. Ties go to
    the first point, like R's which.min / which.max; a missing value is never an extreme.
    """
    marks = crossings(glucose, delta)
    highest = np.where(np.isnan(glucose), -np.inf, glucose)
    lowest = np.where(np.isnan(glucose), np.inf, glucose)
    bounds = np.fromiter((index for index, _ in marks), dtype=np.intp, count=len(marks))
    starts, ends = bounds[:-1], bounds[1:]
    peaks = np.fromiter((peak for _, peak in marks[:-1]), dtype=bool, count=starts.size)
    # Each interval's own stretch: its extreme and the first point that has it.
    own = np.where(
        peaks,
        np.maximum(np.maximum.reduceat(highest, starts), highest[ends]),
        np.minimum(np.minimum.reduceat(lowest, starts), lowest[ends]),
    )
    lengths = ends - starts + 1
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    stretch_index = np.arange(lengths.sum()) - np.repeat(offsets - starts, lengths)
    stretch = np.where(np.repeat(peaks, lengths), highest[stretch_index], lowest[stretch_index])
    hits = np.flatnonzero(stretch == np.repeat(own, lengths))
    own_at = stretch_index[hits[np.searchsorted(hits, offsets)]]
    # The lead-ins [previous interval's extreme, crossing) are consecutive, so one reduceat
    # over their edges reduces them all (every other result spans a gap between two).
    lead = np.r_[starts[0], own_at[:-1]]
    edges = np.column_stack([lead, starts]).ravel()
    lead_best = np.where(
        peaks,
        np.maximum.reduceat(highest, edges)[::2],
        np.minimum.reduceat(lowest, edges)[::2],
    )
    ahead = (lead < starts) & np.where(peaks, lead_best >= own, lead_best <= own)
    extremes: list[float] = np.where(ahead, lead_best, own).tolist()
    positions = own_at.tolist()
    for i in np.flatnonzero(ahead).tolist():
        found = _first_extreme(highest, lowest, lead[i], starts[i], peak=peaks[i])
        positions[i] = int(lead[i]) + found
    left = int(starts[0])
    for i, assumed in enumerate(lead.tolist()):
        if left != assumed:  # the previous turning point came from its own lead-in
            right = int(ends[i]) + 1
            at = left + _first_extreme(highest, lowest, left, right, peak=peaks[i])
            extremes[i], positions[i] = float((highest if peaks[i] else lowest)[at]), at
        left = positions[i]
    return extremes


def _first_extreme(
    highest: NDArray[np.float64], lowest: NDArray[np.float64], start: int, stop: int, *, peak: bool
) -> int:
    """Offset from ``start`` of the first maximum (peak) or minimum in [start, stop)."""
    return int(highest[start:stop].argmax() if peak else lowest[start:stop].argmin())


def nadir_to_peak(extremes: list[float], sd: float) -> tuple[list[float], list[tuple[int, int]]]:
    """Scan for MAGE+ as iglu does: rises of at least one SD, and their (nadir, peak) indices.

    iglu takes ``max(extremes[j] − extremes[start:j+1])`` at every step; since subtraction
    rounds monotonically that is ``extremes[j]`` minus the running minimum, kept here in O(1).
    """
    heights: list[float] = []
    pairs: list[tuple[int, int]] = []
    count = len(extremes)
    j = nadir = 0
    while j < count:
        if extremes[j] < extremes[nadir]:
            nadir = j  # strict, so the first of equal minima wins, like which.max of the rises
        if extremes[j] - extremes[nadir] >= sd:
            for k in range(j, count):
                if extremes[k] > extremes[j]:
                    j = k
                if extremes[k] - extremes[j] < -sd or k == count - 1:
                    heights.append(extremes[j] - extremes[nadir])
                    pairs.append((nadir, j))
                    # iglu restarts the MAGE+ scan where the fall was confirmed (prev_j = k).
                    j = nadir = k
                    break
        else:
            j += 1
    return heights, pairs


def peak_to_nadir(extremes: list[float], sd: float) -> tuple[list[float], list[tuple[int, int]]]:
    """Scan for MAGE− as iglu does: falls of at least one SD (negative), (peak, nadir) pairs.

    The mirror image of :func:`nadir_to_peak`, with a running maximum.
    """
    heights: list[float] = []
    pairs: list[tuple[int, int]] = []
    count = len(extremes)
    j = peak = 0
    while j < count:
        if extremes[j] > extremes[peak]:
            peak = j
        if extremes[j] - extremes[peak] <= -sd:
            for k in range(j, count):
                if extremes[k] < extremes[j]:
                    j = k
                if extremes[k] - extremes[j] > sd or k == count - 1:
                    heights.append(extremes[j] - extremes[peak])
                    pairs.append((peak, j))
                    # iglu restarts the MAGE− scan at the nadir just used (prev_j = j), so the
                    # next peak is searched from there on.
                    window = extremes[j : k + 1]
                    peak, j = j + window.index(max(window)), k
                    break
        else:
            j += 1
    return heights, pairs
