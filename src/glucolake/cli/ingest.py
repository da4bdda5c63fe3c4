"""``glucolake ingest``: Nightscout sites into the raw zone."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from glucolake import logs
from glucolake.cli._options import (
    duration_ms,
    load_settings,
    named_source_ids,
    source_options,
    timestamp_ms,
)
from glucolake.ingest import IngestOptions, run_ingest
from glucolake.ingest.progress import LogReporter, TerminalReporter
from glucolake.lake import Lake, LakeError
from glucolake.lake.raw_encoding import METADATA_COLUMNS
from glucolake.lake.raw_layout import COLLECTIONS, collection_dir
from glucolake.lineage import Lineage, lake_output, nightscout_dataset, schema_facet

if TYPE_CHECKING:
    from pathlib import Path

    from glucolake.ingest import SourceResult

__all__ = ["ingest"]

log = logs.get_logger(__name__)

# The raw zone's fixed columns; the others follow the documents' own fields.
RAW_SCHEMA = schema_facet(
    zip(
        METADATA_COLUMNS,
        ("STRING", "STRING", "TIMESTAMP", "STRING (JSON)", "STRING (JSON shape)", "TINYINT"),
        strict=True,
    )
)


@click.command()
@source_options
@click.option(
    "--only",
    multiple=True,
    help="Ingest only these source ids of the sources file (comma-separated, repeatable); "
    "Argo fans out with it.",
)
@click.option(
    "--since", help="Fetch from this UTC date or date-time (a backfill; watermarks untouched)."
)
@click.option("--until", help="Fetch up to (excluding) this UTC date or date-time.")
@click.option(
    "--overlap",
    default="6h",
    show_default=True,
    help="Incremental runs re-read this much before the newest stored document (late uploads).",
)
@click.option(
    "--concurrency",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Sources fetched at once.",
)
@click.option(
    "--json-logs/--no-json-logs",
    default=None,
    help="Force JSON log lines (default: unless on a terminal).",
)
def ingest(
    *,
    sources_file: Path | None,
    url: str | None,
    source_id: str | None,
    timezone: str | None,
    only: tuple[str, ...],
    since: str | None,
    until: str | None,
    overlap: str,
    concurrency: int,
    json_logs: bool | None,
) -> None:
    """Fetch entries, treatments, devicestatus and profiles into the raw zone of the lake.

    The first run of a source fetches its whole history; later runs continue from the newest stored
    document. Exit status: 0 when every source succeeded, 1 when any failed (the others still run),
    2 for a configuration error.
    """
    settings = load_settings(
        sources_file=sources_file, url=url, source_id=source_id, timezone=timezone
    )
    use_json = logs.configure(json_lines=json_logs, secrets=settings.secrets)
    sources = settings.sources
    wanted = named_source_ids(only, option="--only", settings=settings)
    if only and not wanted:
        click.echo("glucolake: error: --only: no source id given", err=True)
        sys.exit(2)
    if wanted:
        sources = tuple(s for s in sources if s.id in wanted)
    options = IngestOptions(
        since_ms=timestamp_ms(since, option="--since"),
        until_ms=timestamp_ms(until, option="--until"),
        overlap_ms=duration_ms(overlap, option="--overlap"),
    )
    try:
        lake = Lake.open(settings.lake, settings.s3)
        lake.check()
    except LakeError as exc:
        click.echo(f"glucolake: error: {exc}", err=True)
        sys.exit(2)
    lineage = Lineage(settings)
    try:
        with lineage.step("glucolake.ingest") as step:
            step.inputs = [nightscout_dataset(s, c) for s in sources for c in COLLECTIONS]
            step.outputs = [
                lake_output(settings, collection_dir(c), facets=RAW_SCHEMA) for c in COLLECTIONS
            ]
            if use_json:
                results = run_ingest(sources, lake, options, LogReporter(), concurrency=concurrency)
            else:
                with TerminalReporter() as reporter:
                    results = run_ingest(sources, lake, options, reporter, concurrency=concurrency)
                _print_summary(results)
            failed = [r for r in results if not r.ok]
            if failed:
                # Raised inside the step, so its lineage ends in FAIL, not COMPLETE.
                raise _SourcesFailedError([r.error or r.source_id for r in failed])  # noqa: TRY301
    except _SourcesFailedError as exc:
        for error in exc.errors:
            click.echo(f"glucolake: error: {error}", err=True)
        sys.exit(1)


class _SourcesFailedError(Exception):
    """Some sources could not be ingested (the others were); the step's lineage says FAIL."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _print_summary(results: list[SourceResult]) -> None:
    table = Table(title="ingest: new documents stored", title_justify="left")
    table.add_column("source", no_wrap=True)
    table.add_column("time zone", no_wrap=True)
    for collection in ("entries", "treatments", "devicestatus"):
        table.add_column(collection, justify="right")
    table.add_column("status", no_wrap=True)
    for r in results:
        written = {k: f"{v.documents_written:,}" for k, v in r.written.items()}
        retries = f" ({r.retries} retries)" if r.retries else ""
        table.add_row(
            r.source_id,
            r.timezone or "",
            written.get("entries", ""),
            written.get("treatments", ""),
            written.get("devicestatus", ""),
            f"[green]ok[/]{retries}" if r.ok else "[red]failed[/]",
        )
    Console(stderr=True).print(table)
