"""OpenLineage for every step: what each run read and wrote, tied to its pipeline run.

The dbt steps' events come from ``glucolake.lineage.dbt``, imported by those steps alone: it
brings dbt's side of the lake (DuckDB, pyarrow) and OpenLineage's dbt integration, which the
other steps and ``glucolake run`` itself do not need.
"""

from glucolake.lineage.datasets import (
    lake_dataset,
    lake_output,
    nightscout_dataset,
    schema_facet,
    warehouse_dataset,
)
from glucolake.lineage.emitter import Lineage, StepRun

__all__ = [
    "Lineage",
    "StepRun",
    "lake_dataset",
    "lake_output",
    "nightscout_dataset",
    "schema_facet",
    "warehouse_dataset",
]
