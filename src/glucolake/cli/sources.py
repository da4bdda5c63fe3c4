"""``glucolake sources``: the cohort's source ids, as JSON (the workflow fans out over them)."""

from __future__ import annotations

import json

import click

from glucolake.cli._options import load_settings, named_source_ids, source_options

__all__ = ["sources"]


@click.command()
@source_options
@click.option(
    "--select",
    "selection",
    default="all",
    show_default=True,
    help="'all', or a comma-separated list of source ids to keep.",
)
@click.option(
    "--parts",
    type=click.IntRange(min=1),
    help="Print the ids as at most this many comma-separated groups of near-equal size, in "
    "the file's order (one ingest pod each), instead of one item per id.",
)
def sources(
    *,
    sources_file: object,
    url: str | None,
    source_id: str | None,
    timezone: str | None,
    selection: str,
    parts: int | None,
) -> None:
    """Print the configured source ids as a JSON list on stdout (after checking the config)."""
    settings = load_settings(
        sources_file=sources_file, url=url, source_id=source_id, timezone=timezone
    )
    ids = [s.id for s in settings.sources]
    if selection.strip() not in {"", "all"}:
        wanted = named_source_ids([selection], option="--select", settings=settings)
        ids = [i for i in ids if i in wanted]
    click.echo(json.dumps(ids if parts is None else [",".join(g) for g in _groups(ids, parts)]))


def _groups(ids: list[str], parts: int) -> list[list[str]]:
    """``ids`` cut in order into ``min(parts, len(ids))`` runs whose sizes differ by one at most."""
    count = min(parts, len(ids))
    return [ids[len(ids) * i // count : len(ids) * (i + 1) // count] for i in range(count)]
