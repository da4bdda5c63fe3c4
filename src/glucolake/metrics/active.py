"""Percentage of time the CGM was active, iglu's ``active_percent(range_type = "automatic")``.

Danne T, Nimri R, Battelino T, et al. *International Consensus on Use of Continuous Glucose
Monitoring.* Diabetes Care 2017;40(12):1631–1640, doi:10.2337/dc17-1600, asks for 70–80 % of the
expected readings. iglu 4.3.0 (R/active_percent.R; METRICS.md §8.2) measures it over the span
from the first to the last reading, not over calendar days and not capped at 14 days:

* readings that share a timestamp count once (iglu's ``check_data_time`` averages them);
* ``dt0`` = round(median interval in minutes), half to even;
* theoretical = ``round(round(span minutes) / dt0) + 1``;
* the gaps are the intervals with ``round(interval) > dt0``; missing =
  ``round((Σ gap minutes − n_gaps · dt0) / dt0)``;
* active % = 100 · (theoretical − missing) / theoretical; ``ndays`` = span in days, rounded to
  0.1.

Quirk not reproduced because it cannot arise here: iglu computes ``dt0`` for its first subject
and reuses it for the others; these functions see one source at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from glucolake.metrics.readings import (
    MS_PER_DAY,
    MS_PER_MINUTE,
    distinct_times,
    median_interval_minutes,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["active_days", "active_percent"]

_PERCENT = 100


def active_percent(epoch_ms: NDArray[np.int64]) -> float | None:
    """Percentage of expected readings present between the first and the last reading.

    Args:
        epoch_ms: The reading instants (UTC milliseconds), in any order, repeats allowed.

    Returns:
        Active percentage in [0, 100], or None when the sampling interval is undefined (fewer
        than two distinct instants) or rounds to 0 minutes.
    """
    instants = distinct_times(epoch_ms)
    dt0 = median_interval_minutes(instants)
    if dt0 is None or dt0 == 0:
        return None
    intervals = np.diff(instants) / MS_PER_MINUTE
    span = float(instants[-1] - instants[0]) / MS_PER_MINUTE
    theoretical = round(round(span) / dt0) + 1
    is_gap = np.round(intervals) > dt0
    gap_minutes = float(np.sum(intervals[is_gap]))
    missing = round((gap_minutes - np.count_nonzero(is_gap) * dt0) / dt0)
    return (theoretical - missing) / theoretical * _PERCENT


def active_days(epoch_ms: NDArray[np.int64]) -> float | None:
    """Days from the first to the last reading, rounded to 0.1 as iglu reports it."""
    if epoch_ms.size == 0:
        return None
    span = float(np.max(epoch_ms) - np.min(epoch_ms)) / MS_PER_DAY
    return round(span, 1)
