"""Clinically exact CGM metrics, matching the R package iglu 4.3.0, as plain numpy functions.

Reference: Broll S, Urbanek J, Buchanan D, et al. *Interpreting blood GLUcose data with R
package iglu.* PLoS One 2021;16(4):e0248560, doi:10.1371/journal.pone.0248560. The definitions
and iglu's exact computations are summarised in ``METRICS.md`` (shared data folder).

Every function works on the readings of **one** source. :func:`summarize` computes a whole
``mart_glucose_summary`` row, :func:`summarize_windows` one per window; the others are the
building blocks:

* raw readings (``glucose`` array): :func:`mean_glucose`, :func:`sd_glucose`,
  :func:`cv_glucose`, :func:`gmi`, :func:`j_index`, :func:`quantiles_type7`,
  :func:`percent_in_range`, :func:`percent_below`, :func:`percent_above`, :func:`gri`,
  :func:`lbgi`, :func:`hbgi`, :func:`mage_naive`; :func:`adrr` also takes local days;
* reading times: :func:`active_percent`, :func:`active_days`, :func:`local_day_numbers`;
* the interpolated grid (:func:`day_by_day_grid` of :func:`prepare_readings`): :func:`conga`,
  :func:`modd`, :func:`mage` / :func:`mage_segments` / :func:`mage_from_segments`.
"""

from glucolake.metrics.active import active_days, active_percent
from glucolake.metrics.basic import (
    cv_glucose,
    gmi,
    j_index,
    mean_glucose,
    quantiles_type7,
    sd_glucose,
)
from glucolake.metrics.grid import DayByDayGrid, day_by_day_grid
from glucolake.metrics.local_time import local_day_numbers, local_midnight_ms, utc_offsets_ms
from glucolake.metrics.mage import (
    MageDirection,
    MageSegment,
    mage,
    mage_from_segments,
    mage_naive,
    mage_segments,
)
from glucolake.metrics.ranges import (
    gri,
    gri_from_percentages,
    percent_above,
    percent_below,
    percent_in_range,
)
from glucolake.metrics.readings import Readings, prepare_readings
from glucolake.metrics.risk import adrr, bg_risk_transform, hbgi, lbgi
from glucolake.metrics.summary import SUMMARY_KEYS, summarize
from glucolake.metrics.variability import conga, modd
from glucolake.metrics.windows import WINDOWS, summarize_windows

__all__ = [
    "SUMMARY_KEYS",
    "WINDOWS",
    "DayByDayGrid",
    "MageDirection",
    "MageSegment",
    "Readings",
    "active_days",
    "active_percent",
    "adrr",
    "bg_risk_transform",
    "conga",
    "cv_glucose",
    "day_by_day_grid",
    "gmi",
    "gri",
    "gri_from_percentages",
    "hbgi",
    "j_index",
    "lbgi",
    "local_day_numbers",
    "local_midnight_ms",
    "mage",
    "mage_from_segments",
    "mage_naive",
    "mage_segments",
    "mean_glucose",
    "modd",
    "percent_above",
    "percent_below",
    "percent_in_range",
    "prepare_readings",
    "quantiles_type7",
    "sd_glucose",
    "summarize",
    "summarize_windows",
    "utc_offsets_ms",
]
