"""``glucolake report``: the one-machine dashboard, one self-contained HTML file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from glucolake import logs
from glucolake.cli._exclusive import steps_exclusive
from glucolake.cli._options import load_settings
from glucolake.lake import Lake, LakeError
from glucolake.lineage import Lineage, lake_output, warehouse_dataset
from glucolake.report import read_report_data, render_report
from glucolake.warehouse import WarehouseError

__all__ = ["report"]

LAKE_COPY = "reports/latest.html"
_MARTS = (
    "mart_glucose_summary",
    "mart_glucose_agp",
    "mart_glucose_daily_profiles",
    "mart_glucose_hourly_patterns",
)


@click.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the report (default: $GLUCOLAKE_HOME/report.html).",
)
@click.option("--json-logs/--no-json-logs", default=None, help="Force JSON log lines.")
def report(*, out: Path | None, json_logs: bool | None) -> None:
    """Write the glucose report, one self-contained HTML file; print its path.

    Per source: the consensus metrics against their targets, time in ranges, the AGP, daily
    profiles of the last 14 days and the weekday × hour heatmap. It opens with no network.
    """
    settings = load_settings(require_sources=False)
    logs.configure(json_lines=json_logs, secrets=settings.secrets)
    target = (out or settings.home / "report.html").absolute()
    lineage = Lineage(settings)
    with steps_exclusive(settings, "report"):
        try:
            with lineage.step("glucolake.report") as step:
                inputs = [warehouse_dataset(settings, "marts", mart) for mart in _MARTS]
                step.inputs = [lineage.as_input(d) for d in inputs]
                step.outputs = [lineage.file_output(target)]
                document = render_report(read_report_data(settings))
                target.parent.mkdir(parents=True, exist_ok=True)
                temporary = target.with_name(f".{target.name}.tmp")
                temporary.write_text(document, encoding="utf-8")
                temporary.replace(target)
                # A copy in the lake, where a cluster's users (and its object store console)
                # find it.
                Lake.open(settings.lake, settings.s3).put_atomic(LAKE_COPY, document.encode())
                step.outputs.append(lake_output(settings, LAKE_COPY))
        except (WarehouseError, LakeError) as exc:
            click.echo(f"glucolake: error: report: {exc}", err=True)
            sys.exit(1)
    click.echo(str(target))
