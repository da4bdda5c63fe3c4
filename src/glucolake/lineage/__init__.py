"""OpenLineage for every step: what each run read and wrote, tied to its pipeline run."""

from glucolake.lineage.datasets import (
    lake_dataset,
    lake_output,
    nightscout_dataset,
    schema_facet,
    warehouse_dataset,
)
from glucolake.lineage.dbt import emit_dbt_lineage
from glucolake.lineage.emitter import Lineage, StepRun

__all__ = [
    "Lineage",
    "StepRun",
    "emit_dbt_lineage",
    "lake_dataset",
    "lake_output",
    "nightscout_dataset",
    "schema_facet",
    "warehouse_dataset",
]
