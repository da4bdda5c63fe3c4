"""The excursion scan inside iglu's MAGE (Fernandes et al. 2022, iglu 4.3.0's mage_ma_single).

Moving averages, their crossings, the turning points between them, and the excursions that
count. :mod:`glucolake.metrics.mage` cuts the trace into segments and weights their results.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["crossings", "moving_mean", "nadir_to_peak", "peak_to_nadir", "turning_points"]


def moving_mean(values: NDArray[np.float64], width: int) -> NDArray[np.float64]:
    """``zoo::rollapply(mean, na.rm = TRUE, align = "right")`` with iglu's leading fill."""
    missing = np.isnan(values)
    sums = sliding_window_view(np.where(missing, 0.0, values), width).sum(axis=1)
    # Counts are integers, so a difference of running totals is exact (and 4x faster).
    present = np.cumsum(~missing)
    counts = present[width - 1 :] - np.r_[0, present[:-width]]
    means = np.full(values.size, np.nan)
    # A window without values has no mean (R: NaN), which np.divide leaves untouched.
    np.divide(sums, counts, out=means[width - 1 :], where=counts > 0)
    means[: width - 1] = means[width - 1]
    return means


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
    """The nadir or peak glucose between consecutive crossings (iglu's ``minmax``)."""
    marks = crossings(glucose, delta)
    # Plain lists are faster than numpy for the many short windows; a missing value can then
    # never be the minimum or the maximum, as with na.rm = TRUE.
    for_minimum = np.where(np.isnan(glucose), np.inf, glucose).tolist()
    for_maximum = np.where(np.isnan(glucose), -np.inf, glucose).tolist()
    extremes: list[float] = []
    left = marks[0][0]
    for (_, is_peak), (right, _) in itertools.pairwise(marks):
        window = (for_maximum if is_peak else for_minimum)[left : right + 1]
        extreme = max(window) if is_peak else min(window)
        extremes.append(extreme)
        # list.index finds the first extreme, like R's which.min / which.max; the next
        # interval starts at this turning point.
        left += window.index(extreme)
    return extremes


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
