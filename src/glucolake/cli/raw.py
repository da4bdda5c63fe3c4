"""``glucolake raw``: the documents the raw zone keeps, as the site sent them, one per line."""

from __future__ import annotations

import sys
from datetime import date

import click

from glucolake.cli._options import load_settings
from glucolake.lake import Lake, LakeError
from glucolake.lake.raw import COLLECTIONS, stored_texts
from glucolake.lake.raw_layout import collection_dir

__all__ = ["raw"]


def _day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a day like 2026-11-20") from None


@click.command()
@click.argument("collection", type=click.Choice(COLLECTIONS))
@click.option("--source", "source_ids", multiple=True, help="Only this source id (repeatable).")
@click.option("--day", callback=_day, help="Only this UTC day's documents (YYYY-MM-DD).")
def raw(*, collection: str, source_ids: tuple[str, ...], day: str | None) -> None:
    """Print the stored documents of COLLECTION as JSON lines, each exactly as it was kept.

    Every source's, or the --source ones', in partition order. The raw zone stores a document as
    typed columns and its shape; this gives it back as one compact JSON text, keys in the order
    the site sent them. Exit status 2 when the lake cannot be read or holds no such source.
    """
    settings = load_settings(require_sources=False)
    try:
        lake = Lake.open(settings.lake, settings.s3)
        known = {
            name.removeprefix("source=") for name in lake.list_dirs(collection_dir(collection))
        }
        missing = sorted(set(source_ids) - known)
        if missing:
            click.echo(
                f"glucolake: error: raw: no {collection} of source {missing[0]!r} "
                f"in the lake {settings.lake}",
                err=True,
            )
            sys.exit(2)
        for source_id in source_ids or sorted(known):
            for text in stored_texts(lake, collection, source_id, day=day):
                sys.stdout.write(text + "\n")
    except LakeError as exc:
        click.echo(f"glucolake: error: raw: {exc}", err=True)
        sys.exit(2)
