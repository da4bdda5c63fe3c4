"""Summary statistics of the raw readings: mean, SD, CV, GMI, J-index and quantiles.

All of them use the raw readings, unweighted, without interpolation (iglu 4.3.0 ``mean_glu``,
``sd_glu``, ``cv_glu``, ``gmi``, ``j_index``, ``quantile_glu``; METRICS.md §7.2, §7.4):

* SD is the **sample** SD (n − 1), as R's ``sd``; CV = 100 · SD / mean (Rodbard 2009).
* GMI (%) = 3.31 + 0.02392 · mean glucose in mg/dL (Bergenstal et al., Diabetes Care 2018;
  41(11):2275–2280, doi:10.2337/dc18-1581).
* J-index = 0.001 · (mean + SD)², with the sample SD (Wojcicki 1995).
* Quantiles are R's default ``quantile(type = 7)``; the arithmetic below follows R's
  ``quantile.default`` step by step so that the results agree to the last bit, not only to
  within the rounding of numpy's ``percentile(method="linear")``.

Each function returns None where the statistic is undefined (no readings; SD of one reading).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

__all__ = ["cv_glucose", "gmi", "j_index", "mean_glucose", "quantiles_type7", "sd_glucose"]

_GMI_INTERCEPT = 3.31
_GMI_SLOPE = 0.02392
_J_INDEX_SCALE = 0.001


def mean_glucose(glucose: NDArray[np.float64]) -> float | None:
    """Mean glucose (mg/dL), or None without readings."""
    if glucose.size == 0:
        return None
    return float(np.mean(glucose))


def sd_glucose(glucose: NDArray[np.float64]) -> float | None:
    """Sample standard deviation (n − 1) of glucose, or None with fewer than two readings."""
    if glucose.size < 2:  # noqa: PLR2004 - n − 1 must be positive
        return None
    return float(np.std(glucose, ddof=1))


def cv_glucose(glucose: NDArray[np.float64]) -> float | None:
    """Coefficient of variation in percent, 100 · SD / mean, or None where SD is undefined."""
    sd = sd_glucose(glucose)
    mean = mean_glucose(glucose)
    if sd is None or mean is None:
        return None
    return sd / mean * 100


def gmi(glucose: NDArray[np.float64]) -> float | None:
    """Glucose Management Indicator in percent (Bergenstal 2018), or None without readings."""
    mean = mean_glucose(glucose)
    if mean is None:
        return None
    return _GMI_INTERCEPT + _GMI_SLOPE * mean


def j_index(glucose: NDArray[np.float64]) -> float | None:
    """J-index, 0.001 · (mean + SD)², or None where SD is undefined."""
    sd = sd_glucose(glucose)
    mean = mean_glucose(glucose)
    if sd is None or mean is None:
        return None
    return _J_INDEX_SCALE * (mean + sd) ** 2


def quantiles_type7(glucose: NDArray[np.float64], probs: Sequence[float]) -> list[float | None]:
    """Sample quantiles by R's default method (type 7, linear between order statistics).

    Args:
        glucose: The readings.
        probs: Probabilities in [0, 1], e.g. ``[0.05, 0.5]``.

    Returns:
        One quantile per probability, or Nones without readings.

    Raises:
        ValueError: If a probability lies outside [0, 1].
    """
    if any(not 0 <= p <= 1 for p in probs):
        raise ValueError(f"probabilities must lie in [0, 1], got {list(probs)}")
    n = glucose.size
    if n == 0:
        return [None for _ in probs]
    ordered = np.sort(glucose)
    result: list[float | None] = []
    for p in probs:
        # The order statistics around position 1 + (n − 1)·p, as in quantile.default.
        index = 1 + (n - 1) * p
        lo, hi = math.floor(index), math.ceil(index)
        low_value = float(ordered[lo - 1])
        high_value = float(ordered[hi - 1])
        if index > lo and high_value != low_value:
            h = index - lo
            result.append((1 - h) * low_value + h * high_value)
        else:
            result.append(low_value)
    return result
