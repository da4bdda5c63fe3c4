"""``glucolake run``: the whole pipeline on one machine, from the same DAG Argo runs."""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import secrets
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click
import yaml
from rich.console import Console
from rich.table import Table

from glucolake import logs
from glucolake.cli._exclusive import exclusive
from glucolake.cli._options import duration_ms, load_settings, source_options
from glucolake.run import load_workflow, run_workflow
from glucolake.run.forkserver import ForkServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from glucolake.run import TaskResult, WorkflowDefinition
    from glucolake.settings import Settings

__all__ = ["run"]

log = logs.get_logger(__name__)


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
@click.option(
    "--every",
    callback=lambda _ctx, _param, value: (
        None if value is None else duration_ms(value, option="--every") / 1000
    ),
    metavar="DURATION",
    help="Run the DAG again every DURATION (30s, 15m, 1h, 1d), as the cluster's CronWorkflow does, "
    "until stopped (Ctrl-C) or --times runs: one process, its fork server kept between runs.",
)
@click.option(
    "--times",
    type=click.IntRange(min=1),
    help="With --every: stop after this many runs.",
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
    every: float | None,
    times: int | None,
) -> None:
    """Run the pipeline's Argo DAG locally: every task a local process, dependencies honoured.

    Independent tasks run in parallel; a failed task stops what depends on it. One log per task
    under $GLUCOLAKE_HOME/runs/<run>/. With --every, runs start on ticks DURATION apart,
    never two at once: a run that outlasts a tick skips it, as the CronWorkflow's Forbid
    policy does, and a failed run does not stop the next. Exit status 0 when every task of
    every run succeeded, 1 otherwise.
    """
    if times is not None and every is None:
        raise click.UsageError("--times needs --every")
    settings = load_settings(
        sources_file=sources_file, url=url, source_id=source_id, timezone=timezone
    )
    logs.configure(secrets=settings.secrets)
    values = dict(_parameter(p) for p in parameters)
    definition = load_workflow(settings.workflows_dir / f"{workflow}.yaml")
    settings.home.mkdir(parents=True, exist_ok=True)
    failed = False
    with exclusive(
        settings.home / "run.lock", command="run", holders="glucolake run", place=str(settings.home)
    ):
        run_dir = _new_run(settings)
        first_tick = time.monotonic()
        with contextlib.ExitStack() as servers:
            forks = servers.enter_context(_forks(run_dir, enabled=fork_server))
            for count in itertools.count(1):
                succeeded = _run_once(
                    settings,
                    definition,
                    parameters=values,
                    run_dir=run_dir,
                    forks=forks,
                    sources_file=sources_file,
                )
                failed |= not succeeded
                if every is None or count == times:
                    break
                time.sleep(_until_next_tick(first_tick, every))
                run_dir = _new_run(settings)
                if forks is not None and forks.lost:
                    # A server that ended (the kernel's OOM killer picks the largest process)
                    # is replaced, or every later run would start fresh interpreters.
                    forks = servers.enter_context(_forks(run_dir, enabled=fork_server))
    if failed:
        sys.exit(1)


def _until_next_tick(first_tick: float, every: float) -> float:
    """Seconds until the next tick (``first_tick`` + k × ``every``) that is still ahead."""
    if every <= 0:
        return 0.0
    now = time.monotonic()
    ticks_passed = math.floor((now - first_tick) / every)
    return max(0.0, first_tick + (ticks_passed + 1) * every - now)


def _new_run(settings: Settings) -> Path:
    """A new run: its id, set for the tasks (it ties their lineage to the run), and its folder."""
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    os.environ["GLUCOLAKE_RUN_ID"] = run_id
    run_dir = settings.home / "runs" / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir


def _run_once(
    settings: Settings,
    definition: WorkflowDefinition,
    *,
    parameters: dict[str, str],
    run_dir: Path,
    forks: ForkServer | None,
    sources_file: Path | None,
) -> bool:
    """Walk the DAG once, print its table; True when every task succeeded."""
    run_id = run_dir.name
    values = dict(parameters)
    values["sources-file"] = str(
        sources_file.absolute() if sources_file else _single_site_file(settings, run_dir)
    )
    # Imported here, once the fork server is starting: imported with this module, OpenLineage
    # (0.13 s) held the server back, and a one-off run of one source's week took 5.72 s
    # instead of 5.56 s (medians of 4): the first dbt step forked from a server less far on.
    from glucolake.lineage import Lineage  # noqa: PLC0415

    lineage = Lineage(replace(settings, pipeline_run_id=run_id))
    started = time.perf_counter()
    try:
        with lineage.pipeline():
            results = run_workflow(
                definition, parameters=values, run_id=run_id, log_dir=run_dir, forks=forks
            )
            succeeded = all(r.status == "Succeeded" for r in results.values())
            if not succeeded:
                raise _PipelineFailedError  # noqa: TRY301 - the pipeline's lineage ends in FAIL
    except _PipelineFailedError:
        pass  # each task's outcome is in the table below
    log.info(
        "run_finished",
        extra=logs.fields(
            run_id=run_id, succeeded=succeeded, seconds=round(time.perf_counter() - started, 2)
        ),
    )
    _print(results, run_dir)
    return succeeded


@contextlib.contextmanager
def _forks(run_dir: Path, *, enabled: bool) -> Iterator[ForkServer | None]:
    """A fork server for this run and the next ones, its log in this run's folder.

    Started once GLUCOLAKE_RUN_ID is set, as the tasks' environment is then; the server hands
    each task the run id of the moment (``forkserver.RUN_SCOPED``).
    """
    if not enabled:
        yield None
        return
    with ForkServer.started(run_dir / "fork-server.log") as server:
        yield server
        if server is not None:
            log.info("fork_server_finished", extra=logs.fields(forked=server.forked))


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
