"""The dbt steps: raw → staging → intermediate → curated in the lake, curated → marts in the warehouse."""

from glucolake.transform.dbt import DbtError, DbtRun, lake_target, run_dbt, warehouse_target

__all__ = ["DbtError", "DbtRun", "lake_target", "run_dbt", "warehouse_target"]
