"""OpenLineage names for glucolake's datasets, following the OpenLineage naming conventions.

- a Nightscout collection: namespace = the site (``https://host[/prefix]``), name = the API path;
- the lake: ``file://`` with the absolute path, or ``s3://bucket`` with the key prefix;
- the warehouse: as the OpenLineage dbt integration names them, so the two meet in one graph:
  ``duckdb://<file>`` with ``<database>.<schema>.<table>``, or ``postgres://host:port`` with
  ``<dbname>.<schema>.<table>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from openlineage.client.event_v2 import InputDataset, OutputDataset
from openlineage.client.generated import schema_dataset

from glucolake.settings import PostgresWarehouse, redacted_url

if TYPE_CHECKING:
    from collections.abc import Iterable

    from openlineage.client.generated.base import DatasetFacet

    from glucolake.settings import Settings, Source

__all__ = [
    "lake_dataset",
    "lake_output",
    "nightscout_dataset",
    "schema_facet",
    "warehouse_dataset",
]


def nightscout_dataset(source: Source, collection: str) -> InputDataset:
    """A Nightscout collection of one site (credentials never part of the name)."""
    return InputDataset(
        namespace=redacted_url(source.url).rstrip("/"), name=f"/api/v1/{collection}"
    )


def lake_dataset(
    settings: Settings, relative: str, *, facets: dict[str, DatasetFacet] | None = None
) -> InputDataset:
    """A dataset of the lake read by a step, e.g. ``raw/nightscout/entries``."""
    namespace, name = _lake_name(settings, relative)
    return InputDataset(namespace=namespace, name=name, facets=facets or {})


def lake_output(
    settings: Settings, relative: str, *, facets: dict[str, DatasetFacet] | None = None
) -> OutputDataset:
    """A dataset of the lake written by a step, e.g. ``curated/dim_source.parquet``."""
    namespace, name = _lake_name(settings, relative)
    return OutputDataset(namespace=namespace, name=name, facets=facets or {})


def _lake_name(settings: Settings, relative: str) -> tuple[str, str]:
    if settings.lake.startswith("s3://"):
        bucket, _, prefix = settings.lake.removeprefix("s3://").partition("/")
        return f"s3://{bucket}", "/".join(p for p in (prefix, relative) if p)
    return "file://", f"{settings.lake}/{relative}"


def warehouse_dataset(
    settings: Settings, schema: str, table: str, *, facets: dict[str, DatasetFacet] | None = None
) -> OutputDataset:
    """A warehouse table, named as dbt-ol names it."""
    warehouse = settings.warehouse
    if isinstance(warehouse, PostgresWarehouse):
        namespace = f"postgres://{warehouse.host}:{warehouse.port}"
        name = f"{warehouse.dbname}.{schema}.{table}"
    else:
        namespace = f"duckdb://{warehouse}"
        name = f"{Path(warehouse).stem}.{schema}.{table}"
    return OutputDataset(namespace=namespace, name=name, facets=facets or {})


def schema_facet(columns: Iterable[tuple[str, str]]) -> dict[str, DatasetFacet]:
    """A schema facet from (column, type) pairs."""
    fields = [schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in columns]
    return {"schema": schema_dataset.SchemaDatasetFacet(fields=fields)}
