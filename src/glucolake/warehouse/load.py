"""Load the lake's curated tables into the warehouse schema ``curated``, all or nothing.

DuckDB does the work for both warehouses: it reads the curated Parquet (folder or S3) and writes
into the attached warehouse, a DuckDB file or a Postgres database (through the postgres_scanner
extension from its PyPI wheel, which uses Postgres' binary COPY). Every table is replaced inside
one transaction: a failure at any point leaves the previous tables exactly as they were, and
readers never see a half-loaded warehouse.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import duckdb

from glucolake.lake.duckdb_access import lake_connection, not_placeholder
from glucolake.logs import fields, get_logger
from glucolake.settings import PostgresWarehouse

if TYPE_CHECKING:
    from glucolake.settings import Settings

__all__ = ["CURATED_TABLES", "WarehouseError", "load_curated"]

log = get_logger(__name__)

# The curated models the marts read; identifiers in SQL come only from this allowlist.
CURATED_TABLES = (
    "dim_source",
    "dim_glucose_date",
    "fact_glucose_readings",
    "fact_treatments",
    "fact_quality_runs",
    "glucose_window_metrics",
)


class WarehouseError(RuntimeError):
    """The warehouse could not be loaded; it still holds the previous data."""


def load_curated(settings: Settings) -> dict[str, int]:
    """Replace ``curated.<table>`` for every curated table in one transaction; return row counts."""
    started = time.perf_counter()
    connection = lake_connection(settings)
    try:
        where = attach_warehouse(connection, settings)
        counts: dict[str, int] = {}
        connection.execute("begin transaction")
        try:
            connection.execute("create schema if not exists warehouse.curated")
            for table in CURATED_TABLES:
                location = f"{settings.lake}/curated/{table}.parquet"
                connection.execute(f"drop table if exists warehouse.curated.{table}")
                condition = not_placeholder(connection, location)
                connection.execute(
                    f"create table warehouse.curated.{table} as "  # noqa: S608 - allowlisted
                    f"select * from read_parquet($location) where {condition}",
                    {"location": location},
                )
                row = connection.execute(
                    f"select count(*) from warehouse.curated.{table}"  # noqa: S608 - allowlisted
                ).fetchone()
                counts[table] = int(row[0]) if row else 0
            connection.execute("commit")
        except duckdb.Error as exc:
            connection.execute("rollback")
            raise WarehouseError(
                f"warehouse {where}: load failed, nothing changed ({_line(exc)})"
            ) from None
    finally:
        connection.close()
    log.info(
        "curated_loaded",
        extra=fields(
            warehouse=where, tables=counts, seconds=round(time.perf_counter() - started, 2)
        ),
    )
    return counts


def attach_warehouse(
    connection: duckdb.DuckDBPyConnection, settings: Settings, *, read_only: bool = False
) -> str:
    """Attach the warehouse as ``warehouse`` to a DuckDB connection; return where it is."""
    warehouse = settings.warehouse
    mode = " (read_only)" if read_only else ""
    if not isinstance(warehouse, PostgresWarehouse):
        if not read_only:
            warehouse.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection.execute(f"attach '{_literal(str(warehouse))}' as warehouse{mode}")
        except duckdb.Error as exc:
            raise WarehouseError(f"warehouse {warehouse}: cannot open it ({_line(exc)})") from None
        return str(warehouse)
    from duckdb_extensions import import_extension  # noqa: PLC0415 - Postgres only

    import_extension("postgres_scanner", con=connection)
    connection.execute("load postgres_scanner")
    connection.execute(
        "create temporary secret warehouse (type postgres, host $host, port $port, "
        "database $database, user $user, password $password)",
        {
            "host": warehouse.host,
            "port": warehouse.port,
            "database": warehouse.dbname,
            "user": warehouse.user,
            "password": warehouse.password.reveal() if warehouse.password else "",
        },
    )
    try:
        options = "type postgres, secret warehouse" + (", read_only" if read_only else "")
        connection.execute(f"attach '' as warehouse ({options})")
    except duckdb.Error as exc:
        raise WarehouseError(
            f"warehouse {warehouse.display}: cannot connect ({_line(exc)})"
        ) from None
    return warehouse.display


def _literal(text: str) -> str:
    return text.replace("'", "''")


def _line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
