"""Kovatchev's blood-glucose risk indices: LBGI, HBGI and ADRR.

Kovatchev BP, Otto E, Cox D, Gonder-Frederick L, Clarke W. *Evaluation of a new measure of blood
glucose variability in diabetes.* Diabetes Care 2006;29(11):2433–2438, doi:10.2337/dc06-1085
(METRICS.md §7.4). The symmetrising transform of glucose g (mg/dL) is

    f(g) = ln(g)^1.084 − 5.381,   risk = 22.77 · f²   (22.77 = 10 · 1.509²)

which is zero at g ≈ 112.5 mg/dL. As in iglu 4.3.0:

* LBGI = 22.77 · Σ_{g < 112.5} min(f, 0)² / n and HBGI = 22.77 · Σ_{g ≥ 112.5} max(f, 0)² / n,
  over all n readings (``lbgi``, ``hbgi``);
* ADRR is the mean over **local calendar days** of LR + HR, where LR = 22.77 · min(f, 0)² at the
  day's lowest reading and HR = 22.77 · max(f, 0)² at its highest (``adrr``). Partial days
  count, with no minimum number of readings; days without readings do not exist.

The calendar day is the source's local day (iglu uses the POSIXct zone of the data); the
caller supplies it, see :func:`glucolake.metrics.local_time.local_day_numbers`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["adrr", "bg_risk_transform", "hbgi", "lbgi"]

_EXPONENT = 1.084
_SHIFT = 5.381
_SCALE = 22.77
_RISK_NEUTRAL_GLUCOSE = 112.5  # mg/dL where f(g) = 0; iglu splits LBGI and HBGI here


def bg_risk_transform(glucose: NDArray[np.float64]) -> NDArray[np.float64]:
    """Kovatchev's f(g) = ln(g)^1.084 − 5.381, for glucose ≥ 1 mg/dL."""
    transformed: NDArray[np.float64] = np.log(glucose) ** _EXPONENT - _SHIFT
    return transformed


def lbgi(glucose: NDArray[np.float64]) -> float | None:
    """Low Blood Glucose Index, or None without readings."""
    if glucose.size == 0:
        return None
    low = np.minimum(bg_risk_transform(glucose), 0.0)[glucose < _RISK_NEUTRAL_GLUCOSE]
    return float(_SCALE * np.sum(low**2) / glucose.size)


def hbgi(glucose: NDArray[np.float64]) -> float | None:
    """High Blood Glucose Index, or None without readings."""
    if glucose.size == 0:
        return None
    high = np.maximum(bg_risk_transform(glucose), 0.0)[glucose >= _RISK_NEUTRAL_GLUCOSE]
    return float(_SCALE * np.sum(high**2) / glucose.size)


def adrr(glucose: NDArray[np.float64], local_days: NDArray[np.int64]) -> float | None:
    """Average Daily Risk Range over the local calendar days that have readings.

    Args:
        glucose: Glucose readings (mg/dL).
        local_days: The local calendar day of each reading (any integer day numbering).

    Returns:
        ADRR, or None without readings.

    Raises:
        ValueError: If the two arrays differ in length.
    """
    if glucose.shape != local_days.shape:
        raise ValueError("glucose and local_days must have the same length")
    if glucose.size == 0:
        return None
    order = np.argsort(local_days, kind="stable")
    days = local_days[order]
    risk = bg_risk_transform(glucose[order])
    day_starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    lowest = np.minimum(np.minimum.reduceat(risk, day_starts), 0.0)
    highest = np.maximum(np.maximum.reduceat(risk, day_starts), 0.0)
    daily_risk_range = _SCALE * lowest**2 + _SCALE * highest**2
    return float(np.mean(daily_risk_range))
