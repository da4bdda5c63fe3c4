"""``glucolake transform``: the lake side of the dbt project."""

from __future__ import annotations

import sys

import click

from glucolake import logs
from glucolake.cli._exclusive import steps_exclusive
from glucolake.cli._options import exit_with_errors, load_settings, unit_tests_option
from glucolake.lake.changes import PENDING, read_scope, settle
from glucolake.lake.raw_layout import COLLECTIONS, collection_dir
from glucolake.lake.storage import Lake, LakeError
from glucolake.lineage import Lineage, lake_dataset, lake_output
from glucolake.lineage.dbt import emit_dbt_lineage
from glucolake.logs import fields, get_logger
from glucolake.transform import DbtError, lake_target, run_dbt
from glucolake.transform.scope import dbt_scope_vars
from glucolake.warehouse import CURATED_TABLES, curated_location

__all__ = ["transform"]

log = get_logger(__name__)

# What each stage builds; the quality gate runs between the two. The lake side runs in an
# in-memory DuckDB (a step may run in a fresh pod): the curated stage recreates the small staging
# views it reads, without testing them a second time, and reads the staging models written to
# the lake by the intermediate stage from there.
STAGES = {
    "intermediate": (["staging", "intermediate"], []),
    "curated": (["staging,config.materialized:view", "curated"], ["staging,resource_type:test"]),
    "all": (["staging", "intermediate", "curated"], []),
}

# The lake datasets each stage reads and writes, for its lineage (dbt's own events add the rest).
_RAW = [collection_dir(c) for c in COLLECTIONS]
_STAGED = [
    "staging/stg_nightscout__entries.parquet",
    "staging/stg_nightscout__devicestatus.parquet",
    "staging/stg_nightscout__entries_quarantine.parquet",
    "staging/stg_nightscout__treatments.parquet",
    "intermediate/int_glucose_enriched.parquet",
]
_CURATED = [curated_location(table) for table in CURATED_TABLES]
DATASETS = {
    "intermediate": ([*_RAW, "raw/glucolake/sources"], _STAGED),
    "curated": ([*_RAW, "raw/glucolake/sources", "quality/summary", *_STAGED], _CURATED),
    "all": ([*_RAW, "raw/glucolake/sources", "quality/summary"], [*_STAGED, *_CURATED]),
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
    help="Rebuild every model from all of the raw zone, not only what changed; true or false.",
)
@unit_tests_option
@click.option("--json-logs/--no-json-logs", default=None, help="Force JSON log lines.")
def transform(*, stage: str, full_refresh: bool, unit_tests: bool, json_logs: bool | None) -> None:
    """Build and test the lake's dbt layers (DuckDB over the raw Parquet, folder or S3).

    Builds incrementally: only the sources and days that ingest changed since the last build
    (everything on the first build or with --full-refresh true).

    Exit status: 0 on success, 1 when a model or a test failed (one line each).
    """
    settings = load_settings(require_sources=False)
    logs.configure(json_lines=json_logs, secrets=settings.secrets)
    select, exclude = STAGES[stage]
    reads, writes = DATASETS[stage]
    lineage = Lineage(settings)
    with steps_exclusive(settings, "transform"):
        try:
            with lineage.step(f"glucolake.transform.{stage}") as step:
                step.inputs = [lake_dataset(settings, path) for path in reads]
                step.outputs = [lake_output(settings, path) for path in writes]
                target = lake_target(settings)
                lake = Lake.open(settings.lake, settings.s3)
                scope = read_scope(lake, PENDING, full_refresh=full_refresh)
                log.info(
                    "transform_scope",
                    extra=fields(stage=stage, full=scope.full, sources=len(scope.sources)),
                )
                try:
                    run_dbt(
                        settings,
                        ["build", "--full-refresh"] if full_refresh else "build",
                        select=select,
                        exclude=exclude,
                        target=target,
                        build=dbt_scope_vars(lake, settings.lake, scope),
                        unit_tests=unit_tests,
                    )
                finally:
                    emit_dbt_lineage(lineage, settings, target, step)
                if stage != "intermediate":
                    # The ingest package (HTTP client and all) for its batch id helper: only here.
                    from glucolake.ingest.run import new_batch_id  # noqa: PLC0415

                    # The curated tables now hold these changes: publish's turn.
                    settle(lake, scope, stage=PENDING, batch_id=new_batch_id())
        except LakeError as exc:
            click.echo(f"glucolake: error: transform: {exc}", err=True)
            sys.exit(2)
        except DbtError as exc:
            exit_with_errors("transform", str(exc))
