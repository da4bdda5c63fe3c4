"""Time in ranges and the Glycemia Risk Index, as percentages of raw readings.

Consensus ranges: Battelino et al., *Clinical Targets for CGM Data Interpretation:
Recommendations From the International Consensus on Time in Range*, Diabetes Care 2019;
42(8):1593–1603, doi:10.2337/dci19-0028 (METRICS.md §7.1). As in iglu 4.3.0
(``in_range_percent``, ``below_percent``, ``above_percent``) each is the percentage of
**readings**, not of time, with these boundaries:

* in range: ``lo <= g <= hi`` (TIR 70–180 includes both 70 and 180);
* below: ``g < t`` (TBR < 54 and < 70 are strict);
* above: ``g > t`` (TAR > 180 and > 250 are strict).

GRI: Klonoff et al., *A Glycemia Risk Index (GRI) of Hypoglycemia and Hyperglycemia for CGM
Validated by Clinician Ratings*, J Diabetes Sci Technol 2023;17(5):1226–1242,
doi:10.1177/19322968221085273 (METRICS.md §7.3)::

    GRI = 3.0·VLow + 2.4·Low + 1.6·VHigh + 0.8·High, capped at 100

with VLow = %<54, Low = %[54, 70), High = %(180, 250], VHigh = %>250. iglu's ``gri`` runs its
input through ``check_data_time``, which **averages readings that share a timestamp**, before it
takes these percentages; :func:`glucolake.metrics.summary.summarize` reproduces that quirk, so
GRI may then differ slightly from one computed from the published ``below_*``/``above_*``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "GRI_CAP",
    "HIGH",
    "LOW",
    "VERY_HIGH",
    "VERY_LOW",
    "gri",
    "gri_from_percentages",
    "percent_above",
    "percent_below",
    "percent_in_range",
]

VERY_LOW = 54.0
"""mg/dL; below it is TBR level 2 (Battelino 2019)."""
LOW = 70.0
"""mg/dL; the lower end of the target range, below it is TBR."""
HIGH = 180.0
"""mg/dL; the upper end of the target range, above it is TAR."""
VERY_HIGH = 250.0
"""mg/dL; above it is TAR level 2."""
GRI_CAP = 100.0
"""GRI is capped at 100 (Klonoff 2022; iglu ``ifelse(out > 100, 100, out)``)."""

_PERCENT = 100


def _percent(mask: NDArray[np.bool_]) -> float | None:
    if mask.size == 0:
        return None
    return int(np.count_nonzero(mask)) / mask.size * _PERCENT


def percent_in_range(glucose: NDArray[np.float64], low: float, high: float) -> float | None:
    """Percentage of readings with ``low <= g <= high`` (both inclusive), None without readings."""
    return _percent((glucose >= low) & (glucose <= high))


def percent_below(glucose: NDArray[np.float64], threshold: float) -> float | None:
    """Percentage of readings strictly below ``threshold``, None without readings."""
    return _percent(glucose < threshold)


def percent_above(glucose: NDArray[np.float64], threshold: float) -> float | None:
    """Percentage of readings strictly above ``threshold``, None without readings."""
    return _percent(glucose > threshold)


def gri_from_percentages(
    below_54: float, below_70: float, above_180: float, above_250: float
) -> float:
    """GRI from the four consensus percentages, in iglu's order of operations, capped at 100."""
    value = (
        3 * below_54 + 2.4 * (below_70 - below_54) + 1.6 * above_250 + 0.8 * (above_180 - above_250)
    )
    return min(value, GRI_CAP)


def gri(glucose: NDArray[np.float64]) -> float | None:
    """Glycemia Risk Index of the readings (0–100), None without readings."""
    if glucose.size == 0:
        return None
    return gri_from_percentages(
        below_54=int(np.count_nonzero(glucose < VERY_LOW)) / glucose.size * _PERCENT,
        below_70=int(np.count_nonzero(glucose < LOW)) / glucose.size * _PERCENT,
        above_180=int(np.count_nonzero(glucose > HIGH)) / glucose.size * _PERCENT,
        above_250=int(np.count_nonzero(glucose > VERY_HIGH)) / glucose.size * _PERCENT,
    )
