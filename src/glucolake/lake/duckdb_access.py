"""A DuckDB connection that can read (and write) the lake, folder or S3, with no download.

The httpfs extension comes from its PyPI wheel and is installed into a folder under
GLUCOLAKE_HOME (writable even where the image's root file system is read-only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from pathlib import Path

    from glucolake.settings import Settings

__all__ = [
    "MEMORY_LIMIT",
    "extension_directory",
    "lake_connection",
    "not_placeholder",
    "s3_options",
    "spill_directory",
]


def extension_directory(settings: Settings) -> Path:
    """Where DuckDB installs extensions from their wheels."""
    directory = settings.home / "duckdb_extensions"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def s3_options(settings: Settings) -> dict[str, str | bool]:
    """The S3 endpoint and credentials in DuckDB's terms (host:port, SSL, path-style URLs)."""
    from urllib.parse import urlsplit  # noqa: PLC0415

    endpoint = urlsplit(settings.s3.endpoint_url or "https://s3.amazonaws.com")
    return {
        "endpoint": endpoint.netloc or endpoint.path,
        "use_ssl": endpoint.scheme != "http",
        "region": settings.s3.region or "us-east-1",
        "key_id": settings.s3.access_key_id.reveal() if settings.s3.access_key_id else "",
        "secret": settings.s3.secret_access_key.reveal() if settings.s3.secret_access_key else "",
    }


# Every step fits a 2 GiB pod: DuckDB's share, the rest is Python, Arrow and the libraries
# (with 1500MB a cohort's year of staging peaked at 2.1 GB of RSS, with 1200MB at 1.8 GB).
# Beyond it DuckDB spills sorts, joins and window functions to spill_directory().
MEMORY_LIMIT = "1200MB"


def spill_directory(settings: Settings) -> Path:
    """Where DuckDB spills what does not fit in memory (the pod's scratch volume on a cluster)."""
    return settings.home / "duckdb-spill"


def lake_connection(settings: Settings) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that reads the lake's Parquet by URI, within the memory budget."""
    connection = duckdb.connect(
        config={
            "extension_directory": str(extension_directory(settings)),
            "memory_limit": MEMORY_LIMIT,
            "temp_directory": str(spill_directory(settings)),
        }
    )
    if settings.lake.startswith("s3://"):
        from duckdb_extensions import import_extension  # noqa: PLC0415 - S3 lakes only

        import_extension("httpfs", con=connection)
        connection.execute("load httpfs")
        options = s3_options(settings)
        connection.execute(
            "create temporary secret lake (type s3, key_id $key_id, secret $secret, "
            "region $region, endpoint $endpoint, url_style 'path', use_ssl $use_ssl)",
            options,
        )
    return connection


def not_placeholder(connection: duckdb.DuckDBPyConnection, location: str) -> str:
    """A WHERE condition that drops dbt-duckdb's all-null row from an empty external model.

    dbt-duckdb writes one row of nulls into a model that has no rows, so its file keeps a
    schema. Only a row whose every column is null is that placeholder; real rows keep their
    nulls (a first reading has no rate of change).
    """
    columns = connection.execute(
        "select column_name from (describe select * from read_parquet($location))",
        {"location": location},
    ).fetchall()
    quoted = ['"' + str(name).replace('"', '""') + '"' for (name,) in columns]
    return "not (" + " and ".join(f"{column} is null" for column in quoted) + ")"
