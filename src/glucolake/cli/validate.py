"""``glucolake validate``: the quality gate."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

import click
import duckdb

from glucolake import logs
from glucolake.cli._exclusive import steps_exclusive
from glucolake.cli._options import load_settings
from glucolake.lake import Lake, LakeError
from glucolake.lake.duckdb_access import lake_connection
from glucolake.lineage import Lineage, lake_output
from glucolake.quality import load_suites, run_gate, store_report
from glucolake.quality.datasets import LakeDatasets
from glucolake.quality.lineage import GateFailedError, assertion_datasets

__all__ = ["validate"]

log = logs.get_logger(__name__)


@click.command()
@click.option("--json-logs/--no-json-logs", default=None, help="Force JSON log lines.")
def validate(*, json_logs: bool | None) -> None:
    """Run the Great Expectations suites of expectations/ over the intermediate layer.

    A failed critical expectation exits 1 with one line per failure, and nothing downstream may
    run; failed warnings are logged and recorded. Results go to the lake under quality/.
    """
    settings = load_settings(require_sources=False)
    logs.configure(json_lines=json_logs, secrets=settings.secrets)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    lineage = Lineage(settings)
    with steps_exclusive(settings, "validate"):
        try:
            with lineage.step("glucolake.validate") as step:
                lake = Lake.open(settings.lake, settings.s3)
                datasets = LakeDatasets(settings.lake, lake_connection(settings))
                report = run_gate(
                    datasets,
                    load_suites(settings.expectations_dir),
                    run_id=run_id,
                    now_ms=int(time.time() * 1000),
                    data_docs=settings.home / "quality" / "data_docs",
                )
                where = store_report(lake, report)
                step.inputs = assertion_datasets(settings, report)
                step.outputs = [
                    lake_output(settings, "quality/runs"),
                    lake_output(settings, "quality/summary"),
                ]
                if not report.passed:
                    # Inside the step, so the gate's lineage ends in FAIL.
                    raise GateFailedError(len(report.critical_failures))  # noqa: TRY301
        except GateFailedError:
            pass  # the failed expectations are reported just below, one line each
        except (LakeError, duckdb.Error) as exc:
            first = str(exc).strip().splitlines()[0]
            click.echo(
                f"glucolake: error: validate: cannot read the intermediate layer ({first})",
                err=True,
            )
            sys.exit(1)
    for outcome in report.warnings:
        log.warning("expectation_warning", extra=logs.fields(detail=outcome.describe()))
    for outcome in report.critical_failures:
        click.echo(f"glucolake: error: validate: {outcome.describe()}", err=True)
    docs = settings.home / "quality" / "data_docs" / "index.html"
    log.info("gate_report", extra=logs.fields(report=where, data_docs=str(docs)))
    if not report.passed:
        sys.exit(1)
