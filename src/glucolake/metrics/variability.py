"""CONGA(n) and MODD on iglu's interpolated day-by-day grid.

* CONGA(n), Continuous Overall Net Glycemic Action: McDonnell CM, Donath SM, Vidmar SI, Werther
  GA, Cameron FJ. *A novel approach to continuous glucose analysis utilizing glycemic
  variation.* Diabetes Technol Ther 2005;7(2):253–263, doi:10.1089/dia.2005.7.253. iglu 4.3.0
  (``conga``) takes the sample SD (n − 1) of the differences between grid values n hours apart,
  over the grid flattened day after day, with lag ``n · round(60 / dt0)`` grid steps
  (R's half-to-even ``round``); pairs with a missing value are dropped.
* MODD, Mean Of Daily Differences: Service FJ, Nelson RL. *Characteristics of glycemic
  stability.* Diabetes Care 1980;3(1):58–62, doi:10.2337/diacare.3.1.58. iglu (``modd``) takes
  the mean of |G(t) − G(t − lag days)| over grid points where both values exist, i.e.
  ``diff(gd2d, lag)`` across the rows of the grid.

Both return None where iglu would return NA or NaN (no complete pair, or fewer than two
differences for an SD).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from glucolake.metrics.grid import DayByDayGrid

__all__ = ["conga", "modd"]

_MINUTES_PER_HOUR = 60


def conga(grid: DayByDayGrid, hours: int = 1) -> float | None:
    """CONGA(hours): SD of grid differences ``hours`` apart, None with fewer than two pairs."""
    if hours < 1:
        raise ValueError(f"hours must be a positive integer, got {hours}")
    lag = hours * round(_MINUTES_PER_HOUR / grid.dt0)
    flat = grid.flat
    if lag >= flat.size:
        return None
    differences = flat[lag:] - flat[:-lag]
    differences = differences[~np.isnan(differences)]
    if differences.size < 2:  # noqa: PLR2004 - a sample SD needs two values
        return None
    return float(np.std(differences, ddof=1))


def modd(grid: DayByDayGrid, lag_days: int = 1) -> float | None:
    """MODD: mean absolute difference between grid values ``lag_days`` apart, else None."""
    if lag_days < 1:
        raise ValueError(f"lag_days must be a positive integer, got {lag_days}")
    values = grid.values
    if lag_days >= values.shape[0]:
        return None
    differences = np.abs(values[lag_days:] - values[:-lag_days])
    differences = differences[~np.isnan(differences)]
    if differences.size == 0:
        return None
    return float(np.mean(differences))
