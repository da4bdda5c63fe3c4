"""``glucolake publish``: curated tables into the warehouse, then the marts."""

from __future__ import annotations

import sys

import click

from glucolake import logs
from glucolake.cli._exclusive import steps_exclusive
from glucolake.cli._options import exit_with_errors, load_settings, unit_tests_option
from glucolake.lineage import Lineage, lake_dataset, warehouse_dataset
from glucolake.lineage.dbt import emit_dbt_lineage
from glucolake.settings import PostgresWarehouse
from glucolake.transform import DbtError, run_dbt, warehouse_target
from glucolake.warehouse import CURATED_TABLES, WarehouseError, curated_location, load_curated

__all__ = ["publish"]


@click.command()
@unit_tests_option
@click.option("--json-logs/--no-json-logs", default=None, help="Force JSON log lines.")
def publish(*, unit_tests: bool, json_logs: bool | None) -> None:
    """Load the curated tables into the warehouse (one transaction) and build the marts.

    The warehouse is $GLUCOLAKE_HOME/warehouse.duckdb, or Postgres when GLUCOLAKE_WAREHOUSE is a
    postgresql:// URL. Exit status: 0 on success, 1 on failure (the previous data stays).
    """
    settings = load_settings(require_sources=False)
    logs.configure(json_lines=json_logs, secrets=settings.secrets)
    lineage = Lineage(settings)
    with steps_exclusive(settings, "publish"):
        try:
            with lineage.step("glucolake.publish") as step:
                step.inputs = [lake_dataset(settings, curated_location(t)) for t in CURATED_TABLES]
                step.outputs = [warehouse_dataset(settings, "curated", t) for t in CURATED_TABLES]
                load_curated(settings)
                if isinstance(settings.warehouse, PostgresWarehouse):
                    # psycopg is only imported for a Postgres warehouse.
                    from glucolake.warehouse.roles import prepare_dashboard_role  # noqa: PLC0415

                    prepare_dashboard_role(settings.warehouse)
                target = warehouse_target(settings)
                try:
                    run_dbt(
                        settings, "build", select=["marts"], target=target, unit_tests=unit_tests
                    )
                finally:
                    emit_dbt_lineage(lineage, settings, target, step)
        except WarehouseError as exc:
            click.echo(f"glucolake: error: publish: {exc}", err=True)
            sys.exit(1)
        except DbtError as exc:
            exit_with_errors("publish", str(exc))
