"""``glucolake docs``: the dbt project's documentation site."""

from __future__ import annotations

import click

from glucolake import logs
from glucolake.cli._options import exit_with_errors, load_settings
from glucolake.transform import DbtError, run_dbt, warehouse_target

__all__ = ["docs"]


@click.command()
def docs() -> None:
    """Generate the dbt docs (models, columns, tests, lineage) from the warehouse.

    Writes index.html and catalog.json under $GLUCOLAKE_HOME/dbt/target; serve that folder with
    any static file server to browse it.
    """
    settings = load_settings(require_sources=False)
    logs.configure(secrets=settings.secrets)
    try:
        run_dbt(settings, ["docs", "generate"], select=["*"], target=warehouse_target(settings))
    except DbtError as exc:
        exit_with_errors("docs", str(exc))
    click.echo(settings.dbt_work_dir / "target" / "index.html")
