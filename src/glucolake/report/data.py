"""What the report shows, read from the warehouse's marts (a DuckDB file or Postgres)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glucolake.lake.duckdb_access import extension_directory
from glucolake.warehouse.load import attach_warehouse

if TYPE_CHECKING:
    from glucolake.settings import Settings

__all__ = ["SourceReport", "read_report_data"]


@dataclass
class SourceReport:
    """Everything the report shows for one source."""

    source_id: str
    summary: dict[str, Any]
    agp: list[dict[str, Any]] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)
    hourly: list[dict[str, Any]] = field(default_factory=list)
    days: int = 0


_QUERIES = {
    "summary": "select * from warehouse.marts.mart_glucose_summary where \"window\" = '14d'",
    "agp": "select * from warehouse.marts.mart_glucose_agp order by source_id, local_quarter_hour",
    "profiles": (
        "select * from warehouse.marts.mart_glucose_daily_profiles "
        "order by source_id, local_date, local_minute_of_day"
    ),
    "hourly": "select * from warehouse.marts.mart_glucose_hourly_patterns",
    "days": (
        "select source_id, count(distinct local_date) as days "
        "from warehouse.marts.mart_glucose_daily_profiles group by source_id"
    ),
}


def read_report_data(settings: Settings) -> list[SourceReport]:
    """One :class:`SourceReport` per source that has a 14-day summary."""
    import duckdb  # noqa: PLC0415 - keeps `glucolake --help` fast

    connection = duckdb.connect(config={"extension_directory": str(extension_directory(settings))})
    try:
        attach_warehouse(connection, settings, read_only=True)
        rows = {name: _records(connection, sql) for name, sql in _QUERIES.items()}
    finally:
        connection.close()
    reports = {
        r["source_id"]: SourceReport(source_id=r["source_id"], summary=r) for r in rows["summary"]
    }
    for name in ("agp", "profiles", "hourly"):
        for row in rows[name]:
            if row["source_id"] in reports:
                getattr(reports[row["source_id"]], name).append(row)
    for row in rows["days"]:
        if row["source_id"] in reports:
            reports[row["source_id"]].days = int(row["days"])
    return [reports[key] for key in sorted(reports)]


def _records(connection: Any, sql: str) -> list[dict[str, Any]]:  # noqa: ANN401 - DuckDB
    cursor = connection.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
