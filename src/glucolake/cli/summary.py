"""``glucolake summary``: each source's consensus figures, read from the marts."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from glucolake.cli._options import load_settings
from glucolake.report.targets import METRICS
from glucolake.warehouse import WarehouseError, read_summary

__all__ = ["summary"]


@click.command()
@click.option(
    "--window",
    type=click.Choice(["14d", "30d", "90d", "all"]),
    default="14d",
    show_default=True,
    help="Days ending at each source's newest reading.",
)
def summary(*, window: str) -> None:
    """Print each source's consensus metrics, green where the 2019 consensus target is met."""
    settings = load_settings(require_sources=False)
    try:
        rows = read_summary(settings, window)
    except WarehouseError as exc:
        click.echo(f"glucolake: error: summary: {exc}", err=True)
        sys.exit(1)
    table = Table(title=f"glucose, last {window}" if window != "all" else "glucose, all data")
    table.add_column("source", no_wrap=True)
    for metric in METRICS:
        table.add_column(metric.heading, justify="right")
    for row in rows:
        cells = [row["source_id"]]
        for metric in METRICS:
            value = row[metric.column]
            text = "–" if value is None else metric.fmt.format(value)
            verdict = None if value is None else metric.meets(value)
            if verdict is not None:
                text = f"[green]{text}[/]" if verdict else f"[red]{text}[/]"
            cells.append(text)
        table.add_row(*cells)
    # A terminal knows its width; a pipe or a CI log gets room for the whole table.
    console = Console()
    if not console.is_terminal:
        console = Console(width=130)
    console.print(table)
