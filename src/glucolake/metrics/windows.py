"""Every summary metric of one source over trailing windows: its last 14, 30 and 90 days, and all.

Windows end at the source's newest reading and reach back a whole number of days (24-hour
periods, not local calendar days): a reading is in the 14-day window when it is less than 14 × 24
hours older than the newest. This is what ``mart_glucose_summary`` serves, one row per window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

from glucolake.metrics.readings import MS_PER_DAY
from glucolake.metrics.summary import summarize

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["WINDOWS", "summarize_windows"]

WINDOWS: Final = {"14d": 14, "30d": 30, "90d": 90, "all": None}
"""Window name → its length in days (None: every reading)."""


def summarize_windows(
    epoch_ms: ArrayLike, glucose: ArrayLike, tz: str
) -> dict[str, dict[str, float | int | None]]:
    """:func:`~glucolake.metrics.summarize` of one source's readings in each of :data:`WINDOWS`.

    Args:
        epoch_ms: UTC instants in milliseconds (int64), any order.
        glucose: mg/dL at those instants; NaN marks a missing value.
        tz: The source's IANA time zone.

    Returns:
        Window name → that window's metrics, in the order of :data:`WINDOWS`.
    """
    instants = np.asarray(epoch_ms, dtype=np.int64)
    values = np.asarray(glucose, dtype=np.float64)
    newest = instants.max() if instants.size else 0
    return {
        window: summarize(instants[keep], values[keep], tz)
        for window, days in WINDOWS.items()
        for keep in [instants > newest - days * MS_PER_DAY if days else slice(None)]
    }
