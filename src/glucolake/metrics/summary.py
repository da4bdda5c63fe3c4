"""One row of ``mart_glucose_summary``: every metric of one source, matching iglu 4.3.0.

:func:`summarize` is the entry point for the dbt build: it takes one source's readings as plain
arrays and returns a dict of Python numbers (None where a metric is undefined, never NaN).
Which iglu call each key reproduces, and how, is in METRICS.md §4 and in the docstrings of the
modules named below.

Readings that share a timestamp are all kept for the statistics of raw readings (iglu does not
deduplicate there), averaged for GRI and ``active_percent`` (iglu's ``check_data_time``) and
reduced to the last one for the interpolation grid (iglu's ``CGMS2DayByDay``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from glucolake.metrics.active import active_percent
from glucolake.metrics.basic import (
    cv_glucose,
    gmi,
    j_index,
    mean_glucose,
    quantiles_type7,
    sd_glucose,
)
from glucolake.metrics.grid import day_by_day_grid
from glucolake.metrics.local_time import local_day_numbers
from glucolake.metrics.mage import MAGE_GRID_MINUTES, mage_from_segments, mage_segments
from glucolake.metrics.ranges import (
    HIGH,
    LOW,
    VERY_HIGH,
    VERY_LOW,
    gri,
    percent_above,
    percent_below,
    percent_in_range,
)
from glucolake.metrics.readings import average_repeated_times, prepare_readings
from glucolake.metrics.risk import adrr, hbgi, lbgi
from glucolake.metrics.variability import conga, modd

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from glucolake.metrics.grid import DayByDayGrid
    from glucolake.metrics.readings import Readings

__all__ = ["SUMMARY_KEYS", "summarize"]

SUMMARY_KEYS: Final = (
    "n_readings",
    "mean_glucose",
    "sd_glucose",
    "cv_glucose",
    "in_range_70_180",
    "below_54",
    "below_70",
    "above_180",
    "above_250",
    "gmi",
    "gri",
    "j_index",
    "mage",
    "conga_1",
    "modd",
    "lbgi",
    "hbgi",
    "adrr",
    "active_percent",
    "p05",
    "p25",
    "p50",
    "p75",
    "p95",
)
"""The keys of :func:`summarize`'s result, in column order."""

_QUANTILES: Final = {"p05": 0.05, "p25": 0.25, "p50": 0.50, "p75": 0.75, "p95": 0.95}


def summarize(epoch_ms: ArrayLike, glucose: ArrayLike, tz: str) -> dict[str, float | int | None]:
    """Compute every summary metric of one source's CGM readings, as iglu 4.3.0 does.

    Args:
        epoch_ms: UTC instants of the readings in milliseconds since the epoch (int64), any
            order.
        glucose: Glucose in mg/dL at those instants; NaN marks a missing value (dropped).
        tz: The source's IANA time zone, for local calendar days (ADRR) and the local midnight
            that anchors the interpolation grid (CONGA, MODD, MAGE).

    Returns:
        A dict with exactly :data:`SUMMARY_KEYS`; percentages are 0–100, ``n_readings`` is an
        int, and a metric that is undefined for these readings is None.

    Raises:
        ValueError: If the inputs are malformed (see ``prepare_readings``).
        zoneinfo.ZoneInfoNotFoundError: If ``tz`` is not a known IANA time zone.
    """
    ZoneInfo(tz)  # fail on an unknown zone even when there are no readings
    readings = prepare_readings(epoch_ms, glucose)
    values = readings.glucose
    result: dict[str, float | int | None] = dict.fromkeys(SUMMARY_KEYS)
    result["n_readings"] = readings.count
    if readings.count == 0:
        return result

    result.update(
        mean_glucose=mean_glucose(values),
        sd_glucose=sd_glucose(values),
        cv_glucose=cv_glucose(values),
        in_range_70_180=percent_in_range(values, LOW, HIGH),
        below_54=percent_below(values, VERY_LOW),
        below_70=percent_below(values, LOW),
        above_180=percent_above(values, HIGH),
        above_250=percent_above(values, VERY_HIGH),
        gmi=gmi(values),
        gri=gri(average_repeated_times(readings).glucose),
        j_index=j_index(values),
        lbgi=lbgi(values),
        hbgi=hbgi(values),
        adrr=adrr(values, local_day_numbers(readings.epoch_ms, tz)),
        active_percent=active_percent(readings.epoch_ms),
    )
    result.update(zip(_QUANTILES, quantiles_type7(values, list(_QUANTILES.values())), strict=True))
    result.update(_grid_metrics(readings, tz))
    return result


def _grid_metrics(readings: Readings, tz: str) -> dict[str, float | None]:
    """CONGA(1), MODD and MAGE, which iglu computes on its interpolated grid."""
    grid: DayByDayGrid | None
    try:
        grid = day_by_day_grid(readings, tz)
    except ValueError:
        # No sampling interval, or one above inter_gap: iglu stops; the metrics are undefined.
        grid = None
    metrics: dict[str, float | None] = {
        "conga_1": None if grid is None else conga(grid, hours=1),
        "modd": None if grid is None else modd(grid, lag_days=1),
    }
    # MAGE always uses a 5-min grid; for 5-min sensors it is the grid just built.
    if grid is None or grid.dt0 != MAGE_GRID_MINUTES:
        grid = day_by_day_grid(readings, tz, dt0=MAGE_GRID_MINUTES)
    metrics["mage"] = mage_from_segments(mage_segments(grid), grid.dt0)
    return metrics
