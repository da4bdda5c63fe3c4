"""Read the consensus summary back from the warehouse, for the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import duckdb

from glucolake.lake.duckdb_access import extension_directory
from glucolake.report.targets import METRICS
from glucolake.warehouse.load import attach_warehouse

if TYPE_CHECKING:
    from glucolake.settings import Settings

__all__ = ["read_summary"]

COLUMNS = ("source_id", *(metric.column for metric in METRICS))


def read_summary(settings: Settings, window: str = "14d") -> list[dict[str, Any]]:
    """One row per source from ``marts.mart_glucose_summary`` for ``window``."""
    connection = duckdb.connect(config={"extension_directory": str(extension_directory(settings))})
    try:
        attach_warehouse(connection, settings, read_only=True)
        cursor = connection.execute(
            f"select {', '.join(COLUMNS)} from warehouse.marts.mart_glucose_summary "  # noqa: S608
            'where "window" = $window order by source_id',
            {"window": window},
        )
        return [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()
