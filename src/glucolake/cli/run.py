"""``glucolake run``: the whole pipeline on one machine, from the same DAG Argo runs."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click
import yaml
from rich.console import Console
from rich.table import Table

from glucolake import logs
from glucolake.cli._exclusive import exclusive
from glucolake.cli._options import load_settings, source_options
from glucolake.lineage import Lineage
from glucolake.run import load_workflow, run_workflow
from glucolake.run.forkserver import ForkServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from glucolake.run import TaskResult
    from glucolake.settings import Settings

__all__ = ["run"]


@click.command()
@source_options
@click.option(
    "-p",
    "--parameter",
    "parameters",
    multiple=True,
    metavar="NAME=VALUE",
    help="A workflow parameter as `argo submit -p` takes it (sources, since, until, full-refresh).",
)
@click.option(
    "--workflow",
    default="glucolake-pipeline",
    show_default=True,
    help="Which rendered WorkflowTemplate to walk.",
)
@click.option(
    "--fork-server/--no-fork-server",
    default=True,
    show_default=True,
    help="Start glucolake tasks as forks of a process that imported dbt already (each task "
    "still its own process), instead of fresh interpreters.",
)
def run(
    *,
    sources_file: Path | None,
    url: str | None,
    source_id: str | None,
    timezone: str | None,
    parameters: tuple[str, ...],
    workflow: str,
    fork_server: bool,
) -> None:
    """Run the pipeline's Argo DAG locally: every task a local process, dependencies honoured.

    Independent tasks run in parallel; a failed task stops what depends on it. One log per task
    under $GLUCOLAKE_HOME/runs/<run>/. Exit status 0 when every task succeeded, 1 otherwise.
    """
    settings = load_settings(
        sources_file=sources_file, url=url, source_id=source_id, timezone=timezone
    )
    logs.configure(secrets=settings.secrets)
    values = dict(_parameter(p) for p in parameters)
    definition = load_workflow(settings.workflows_dir / f"{workflow}.yaml")
    settings.home.mkdir(parents=True, exist_ok=True)
    with exclusive(
        settings.home / "run.lock", command="run", holders="glucolake run", place=str(settings.home)
    ):
        run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
        run_dir = settings.home / "runs" / run_id
        run_dir.mkdir(parents=True, exist_ok=True)
        values["sources-file"] = str(
            sources_file.absolute() if sources_file else _single_site_file(settings, run_dir)
        )
        os.environ["GLUCOLAKE_RUN_ID"] = run_id  # ties the steps' lineage to this run
        lineage = Lineage(replace(settings, pipeline_run_id=run_id))
        try:
            with lineage.pipeline(), _forks(run_dir, enabled=fork_server) as forks:
                results = run_workflow(
                    definition, parameters=values, run_id=run_id, log_dir=run_dir, forks=forks
                )
                if any(r.status != "Succeeded" for r in results.values()):
                    raise _PipelineFailedError  # noqa: TRY301 - the pipeline's lineage ends in FAIL
        except _PipelineFailedError:
            pass  # each task's outcome is in the table below
    _print(results, run_dir)
    if any(r.status != "Succeeded" for r in results.values()):
        sys.exit(1)


@contextlib.contextmanager
def _forks(run_dir: Path, *, enabled: bool) -> Iterator[ForkServer | None]:
    """The fork server of this run (started after GLUCOLAKE_RUN_ID is set: the tasks' env)."""
    if not enabled:
        yield None
        return
    with ForkServer.started(run_dir / "fork-server.log") as server:
        yield server
        if server is not None:
            logs.get_logger(__name__).info(
                "fork_server_finished", extra=logs.fields(forked=server.forked)
            )


class _PipelineFailedError(Exception):
    """A task failed or was omitted."""


def _parameter(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="-p")
    return name, value


def _single_site_file(settings: Settings, run_dir: Path) -> Path:
    """A sources file for --url runs: ids, URLs and the *names* of secret variables only."""
    entries = []
    for source in settings.sources:
        entry: dict[str, str] = {"id": source.id, "url": source.url}
        for key in ("timezone", "api_secret_env", "token_env"):
            value = getattr(source, key)
            if value:
                entry[key] = value
        entries.append(entry)
    path = run_dir / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": entries}))
    return path


def _print(results: dict[str, TaskResult], run_dir: Path) -> None:
    table = Table(title=f"glucolake run: logs in {run_dir}", title_justify="left")
    for column in ("task", "status", "attempts", "seconds"):
        table.add_column(column, justify="right" if column in {"attempts", "seconds"} else "left")
    colours = {"Succeeded": "green", "Failed": "red", "Omitted": "yellow"}
    for result in results.values():
        rows = result.children or [result]
        for row in rows:
            table.add_row(
                row.name,
                f"[{colours.get(row.status, 'white')}]{row.status}[/]",
                str(row.attempts or ""),
                f"{row.seconds:.1f}",
            )
    console = Console(stderr=True)
    if not console.is_terminal:
        console = Console(stderr=True, width=120)
    console.print(table)
