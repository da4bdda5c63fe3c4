"""The dashboards' own queries on the Postgres marts of a large cohort: latency per chart.

The queries are the SQL Superset 6.1 generates for each chart (``superset/chart_queries/``, kept
in step with the charts by the Superset test). The marts come from the cohort's DuckDB
warehouse, copied into a real Postgres as the tables dbt-postgres builds, with their indexes.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import duckdb
import psycopg
from tests.postgres_server import postgres_server

QUERIES = Path(__file__).resolve().parents[1] / "superset" / "chart_queries"
TARGET_P95_MS = 50.0
_PASSWORD = "glucolake-bench-password"  # noqa: S105 - a throwaway cluster on loopback


def statements(path: Path) -> list[str]:
    """The statements of one chart's file (a chart may send several queries)."""
    text = "\n".join(line for line in path.read_text().splitlines() if not line.startswith("--"))
    return [part.strip() for part in text.split(";") if part.strip()]


def measure_dashboard_queries(warehouse: Path, *, repeats: int = 30) -> dict[str, list[float]]:
    """Milliseconds of each chart's queries, ``repeats`` times after one warm-up run."""
    with postgres_server(_PASSWORD) as url:
        _copy_marts(warehouse, url)
        timings: dict[str, list[float]] = {}
        with psycopg.connect(url, autocommit=True) as connection:
            for path in sorted(QUERIES.glob("*.sql")):
                chart = statements(path)
                for run in range(repeats + 1):
                    started = time.perf_counter()
                    for statement in chart:
                        connection.execute(statement).fetchall()
                    if run:
                        timings.setdefault(path.stem, []).append(
                            (time.perf_counter() - started) * 1000
                        )
    return timings


def _copy_marts(warehouse: Path, url: str) -> None:
    with duckdb.connect() as connection:
        # The extension from its PyPI wheel, as the warehouse load does.
        from duckdb_extensions import import_extension  # noqa: PLC0415

        import_extension("postgres_scanner", con=connection)
        connection.execute("load postgres_scanner")
        connection.execute(f"attach '{warehouse}' as cohort (read_only)")
        connection.execute(f"attach '{url}' as pg (type postgres)")
        connection.execute("create schema if not exists pg.marts")
        tables = connection.execute(
            "select table_name from duckdb_tables() "
            "where database_name = 'cohort' and schema_name = 'marts'"
        ).fetchall()
        for (table,) in tables:
            connection.execute(
                f"create table pg.marts.{table} as select * from cohort.marts.{table}"  # noqa: S608
            )
    with psycopg.connect(url, autocommit=True) as connection:
        # The index mart_glucose_daily_profiles' dbt config creates in Postgres.
        connection.execute("create index on marts.mart_glucose_daily_profiles (days_before_newest)")
        connection.execute("analyze")


def p95(values: list[float]) -> float:
    """The 95th percentile (type 7, as everywhere in glucolake)."""
    return float(statistics.quantiles(values, n=20, method="inclusive")[-1])


def markdown(timings: dict[str, list[float]], *, cohort: str) -> str:
    """The dashboard-queries section of docs/benchmarks.md."""
    everything = [ms for values in timings.values() for ms in values]
    overall = p95(everything)
    lines = [
        f"### Dashboard queries on the Postgres marts: {cohort}",
        "",
        (
            "Each chart's own SQL (`superset/chart_queries/`, source filter unset), "
            f"{len(next(iter(timings.values())))} runs after a warm-up, one connection."
        ),
        "",
        "| measure | target | measured | ratio |",
        "|---|---|---|---|",
        (
            f"| p95 over every chart's runs, ms | ≤ {TARGET_P95_MS:.0f} | {overall:.1f} "
            f"| {overall / TARGET_P95_MS:.2f} |"
        ),
        "",
        "| chart | median ms | p95 ms |",
        "|---|---|---|",
        *[
            f"| {chart} | {statistics.median(values):.1f} | {p95(values):.1f} |"
            for chart, values in sorted(timings.items())
        ],
    ]
    return "\n".join(lines) + "\n"
