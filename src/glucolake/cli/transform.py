"""``glucolake transform``: the lake side of the dbt project."""

from __future__ import annotations

import sys

import click

from glucolake import logs
from glucolake.cli._options import load_settings
from glucolake.transform import DbtError, lake_target, run_dbt

__all__ = ["transform"]

# What each stage builds; the quality gate runs between the two. The lake side runs in an
# in-memory DuckDB (a step may run in a fresh pod), so the curated stage recreates the staging
# views it reads, without testing them a second time.
STAGES = {
    "intermediate": (["staging", "intermediate"], []),
    "curated": (["staging", "curated"], ["staging,resource_type:test"]),
    "all": (["staging", "intermediate", "curated"], []),
}


@click.command()
@click.option(
    "--stage",
    type=click.Choice(["intermediate", "curated", "all"]),
    default="all",
    show_default=True,
    help="intermediate: staging and intermediate models; curated: the curated tables.",
)
@click.option(
    "--full-refresh",
    type=click.BOOL,
    default=False,
    show_default=True,
    help="Rebuild incremental models from raw (dbt --full-refresh); takes true or false.",
)
@click.option("--json-logs/--no-json-logs", default=None, help="Force JSON log lines.")
def transform(*, stage: str, full_refresh: bool, json_logs: bool | None) -> None:
    """Build and test the lake's dbt layers (DuckDB over the raw Parquet, folder or S3).

    Exit status: 0 on success, 1 when a model or a test failed (one line each).
    """
    settings = load_settings(require_sources=False)
    logs.configure(json_lines=json_logs, secrets=settings.secrets)
    select, exclude = STAGES[stage]
    try:
        run_dbt(
            settings,
            ["build", "--full-refresh"] if full_refresh else "build",
            select=select,
            exclude=exclude,
            target=lake_target(settings),
        )
    except DbtError as exc:
        for line in str(exc).splitlines():
            click.echo(f"glucolake: error: transform: {line}", err=True)
        sys.exit(1)
