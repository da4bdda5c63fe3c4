"""The dbt steps: raw to curated in the lake (dbt-duckdb), curated to marts in the warehouse."""

from glucolake.transform.dbt import DbtError, DbtRun, lake_target, run_dbt, warehouse_target

__all__ = ["DbtError", "DbtRun", "lake_target", "run_dbt", "warehouse_target"]
