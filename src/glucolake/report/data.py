"""What the report shows, read from the warehouse's marts (a DuckDB file or Postgres).

Only what the page draws is read, already in the shape the charts take: a source's AGP as one
list per percentile, its days as one pair of lists each, so a cohort's readings never become one
Python object per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from glucolake.lake.duckdb_access import extension_directory
from glucolake.warehouse.load import attach_warehouse

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import date

    from glucolake.settings import Settings

__all__ = ["DAYS", "AgpCurve", "DailyProfile", "SourceReport", "read_report_data"]

DAYS = 14
"""The report's window: the 14-day summary, the AGP and one daily profile per local day."""


@dataclass(frozen=True)
class AgpCurve:
    """One source's Ambulatory Glucose Profile: percentiles (mg/dL) per 15 minutes of the day."""

    hours: list[float] = field(default_factory=list)
    """Local time of day of each bin's start, in hours (0, 0.25, … 23.75)."""
    p05: list[float] = field(default_factory=list)
    p25: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p75: list[float] = field(default_factory=list)
    p95: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class DailyProfile:
    """The readings of one local day, in time order."""

    local_date: date
    hours: list[float]
    """Local time of day of each reading, in hours."""
    glucose: list[float]
    """Each reading, mg/dL."""


@dataclass
class SourceReport:
    """Everything the report shows for one source."""

    source_id: str
    summary: dict[str, Any]
    """The 14-day consensus metrics (``mart_glucose_summary``'s columns the page shows)."""
    agp: AgpCurve = field(default_factory=AgpCurve)
    profiles: list[DailyProfile] = field(default_factory=list)
    """The local days of the last 14 that have readings, oldest first."""
    hourly: list[tuple[int, int, float]] = field(default_factory=list)
    """Mean glucose (mg/dL) per local ISO weekday (1 = Monday) and hour: (weekday, hour, mean)."""

    @property
    def days(self) -> int:
        """Local days with readings among the last 14 (the consensus asks for all 14)."""
        return len(self.profiles)


# The metrics table and the time-in-ranges bar: the columns METRICS (targets.py) names.
_SUMMARY = """
select
    source_id,
    n_readings, active_percent, mean_glucose, gmi, cv_glucose, gri,
    below_54, below_70, in_range_70_180, above_180, above_250
from warehouse.marts.mart_glucose_summary
where "window" = '14d'
"""
_AGP = """
select
    source_id,
    list(minutes_after_midnight / 60 order by minutes_after_midnight) as hours,
    list(p05 order by minutes_after_midnight) as p05,
    list(p25 order by minutes_after_midnight) as p25,
    list(p50 order by minutes_after_midnight) as p50,
    list(p75 order by minutes_after_midnight) as p75,
    list(p95 order by minutes_after_midnight) as p95
from warehouse.marts.mart_glucose_agp
group by source_id
"""
# The mart holds every reading since 14 × 24 hours before the newest, which reaches into a
# fifteenth local day; the report shows the last 14 local days. Hours are rounded to 4
# decimals (a third of a second): the minute is the data's resolution, and the page is smaller.
# A cohort's 14 days are ~4,000 readings a source: fetched as columns and cut into days with
# numpy, they cost about half what DuckDB's ordered lists, made Python objects, cost.
_PROFILES = """
select
    source_id,
    local_date,
    round(local_minute_of_day / 60, 4) as hours,
    glucose_mg_dl as glucose
from warehouse.marts.mart_glucose_daily_profiles
where days_before_newest < $days
order by source_id, local_date, local_minute_of_day, glucose_mg_dl
"""
_HOURLY = """
select source_id, local_iso_weekday, local_hour, mean_glucose
from warehouse.marts.mart_glucose_hourly_patterns
"""


def read_report_data(settings: Settings) -> list[SourceReport]:
    """One :class:`SourceReport` per source that has a 14-day summary, by source id."""
    import duckdb  # noqa: PLC0415 - keeps `glucolake --help` fast

    connection = duckdb.connect(config={"extension_directory": str(extension_directory(settings))})
    try:
        attach_warehouse(connection, settings, read_only=True)
        summaries = connection.execute(_SUMMARY)
        names = [column[0] for column in summaries.description]
        reports = {
            values[0]: SourceReport(values[0], dict(zip(names, values, strict=True)))
            for values in summaries.fetchall()
        }
        for source_id, *curve in connection.execute(_AGP).fetchall():
            if source_id in reports:
                reports[source_id].agp = AgpCurve(*curve)
        for source_id, profile in _daily_profiles(connection.execute(_PROFILES, {"days": DAYS})):
            if source_id in reports:
                reports[source_id].profiles.append(profile)
        for source_id, weekday, hour, mean in connection.execute(_HOURLY).fetchall():
            if source_id in reports:
                reports[source_id].hourly.append((weekday, hour, mean))
    finally:
        connection.close()
    return [reports[key] for key in sorted(reports)]


def _daily_profiles(result: Any) -> Iterator[tuple[str, DailyProfile]]:  # noqa: ANN401 - DuckDB
    """Cut the readings, sorted by source and local day, into one profile per source and day."""
    columns = result.fetchnumpy()
    sources, days = columns["source_id"], columns["local_date"]
    if not len(sources):
        return
    changes = (sources[1:] != sources[:-1]) | (days[1:] != days[:-1])
    starts = [0, *(np.flatnonzero(changes) + 1).tolist()]
    ends = [*starts[1:], len(sources)]
    for start, end in zip(starts, ends, strict=True):
        local_date = days[start].astype("datetime64[D]").item()
        hours = columns["hours"][start:end].tolist()
        glucose = columns["glucose"][start:end].tolist()
        yield sources[start], DailyProfile(local_date, hours, glucose)
