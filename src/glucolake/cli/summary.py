"""``glucolake summary``: each source's consensus figures, read from the marts."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from glucolake.cli._options import load_settings
from glucolake.warehouse import WarehouseError, read_summary

__all__ = ["summary"]

# (column, heading, format, consensus target as (comparison, value) or None)
_SHOWN = (
    ("n_readings", "readings", "{:,.0f}", None),
    ("active_percent", "active %", "{:.1f}", (">=", 70)),
    ("mean_glucose", "mean mg/dL", "{:.0f}", None),
    ("gmi", "GMI %", "{:.2f}", None),
    ("cv_glucose", "CV %", "{:.1f}", ("<=", 36)),
    ("below_54", "<54 %", "{:.1f}", ("<", 1)),
    ("below_70", "<70 %", "{:.1f}", ("<", 4)),
    ("in_range_70_180", "70–180 %", "{:.1f}", (">", 70)),
    ("above_180", ">180 %", "{:.1f}", ("<", 25)),
    ("above_250", ">250 %", "{:.1f}", ("<", 5)),
    ("gri", "GRI", "{:.1f}", None),
)


def _meets(value: float, target: tuple[str, float]) -> bool:
    comparison, limit = target
    return {
        "<": value < limit,
        "<=": value <= limit,
        ">": value > limit,
        ">=": value >= limit,
    }[comparison]


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
    for _, heading, _, _ in _SHOWN:
        table.add_column(heading, justify="right")
    for row in rows:
        cells = [row["source_id"]]
        for column, _, fmt, target in _SHOWN:
            value = row[column]
            text = "–" if value is None else fmt.format(value)
            if value is not None and target is not None:
                text = f"[green]{text}[/]" if _meets(value, target) else f"[red]{text}[/]"
            cells.append(text)
        table.add_row(*cells)
    # A terminal knows its width; a pipe or a CI log gets room for the whole table.
    console = Console()
    if not console.is_terminal:
        console = Console(width=130)
    console.print(table)
