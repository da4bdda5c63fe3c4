"""Walk a WorkflowTemplate's DAG on one machine, as Argo's controller would.

Each task's container command runs as a local process with the parameters substituted.
Independent tasks run in parallel (up to the DAG's ``parallelism``); ``withParam`` fans a task out
over a JSON list; a failed task (after its retryStrategy's attempts) stops everything that depends
on it and nothing else. Every task writes one log file; stdout becomes ``outputs.result``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Protocol

from glucolake.logs import fields, get_logger
from glucolake.run.expressions import substitute

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from glucolake.run.template import DagTask, StepTemplate, WorkflowDefinition

__all__ = ["Forks", "TaskResult", "run_workflow"]

log = get_logger(__name__)


class Forks(Protocol):
    """Runs ``glucolake <args>`` tasks without a fresh interpreter (``run.forkserver``)."""

    def run(self, args: list[str], stderr: IO[str]) -> tuple[int, str] | None:
        """The exit status and stdout of the task, or None when it did not run it."""


@dataclass
class TaskResult:
    """How one task (or one fan-out item of it) ended."""

    name: str
    status: str  # Succeeded, Failed, Omitted
    seconds: float = 0.0
    attempts: int = 0
    log_file: Path | None = None
    stdout: str = ""
    children: list[TaskResult] = field(default_factory=list)


def run_workflow(
    workflow: WorkflowDefinition,
    *,
    parameters: Mapping[str, str],
    run_id: str,
    log_dir: Path,
    sleep: Callable[[float], None] = time.sleep,
    forks: Forks | None = None,
) -> dict[str, TaskResult]:
    """Run the entrypoint DAG to the end; return each task's result by name.

    With ``forks``, ``glucolake`` tasks start as forks of a process that imported their
    libraries already; every other command, and any task it does not take, runs as a plain
    subprocess.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    return _DagRun(workflow, parameters, run_id, log_dir, sleep, forks=forks).run()


class _DagRun:
    """One walk of a DAG: what is pending, what runs, what ended. Strictly private."""

    def __init__(
        self,
        workflow: WorkflowDefinition,
        parameters: Mapping[str, str],
        run_id: str,
        log_dir: Path,
        sleep: Callable[[float], None],
        *,
        forks: Forks | None,
    ) -> None:
        self.workflow = workflow
        self.dag = workflow.entrypoint
        arguments = {**{k: v or "" for k, v in workflow.arguments.items()}, **parameters}
        self.scope = {f"workflow.parameters.{k}": v for k, v in arguments.items()}
        self.scope |= {"workflow.uid": run_id, "workflow.name": f"{workflow.name}-{run_id}"}
        # Argo hands the workflow's arguments to the entrypoint template as its inputs.
        self.scope |= {
            f"inputs.parameters.{k}": arguments.get(k, v or "") for k, v in self.dag.inputs.items()
        }
        self.log_dir = log_dir
        self.sleep = sleep
        self.forks = forks
        self.results: dict[str, TaskResult] = {}
        self.pending = dict(self.dag.tasks)
        # Running processes, keyed to (task, fan-out index or None).
        self.running: dict[Future[TaskResult], tuple[str, int | None]] = {}
        self.items: dict[str, list[TaskResult | None]] = {}
        self.started: dict[str, float] = {}

    def run(self) -> dict[str, TaskResult]:
        with ThreadPoolExecutor(max_workers=self.dag.parallelism or 4) as pool:
            while self.pending or self.running:
                self._schedule(pool)
                if self.running:
                    done, _ = wait(self.running, return_when=FIRST_COMPLETED)
                    for future in done:
                        self._finish(*self.running.pop(future), future.result())
        return self.results

    def _schedule(self, pool: ThreadPoolExecutor) -> None:
        for name, task in list(self.pending.items()):
            states = [self.results[d].status if d in self.results else None for d in task.depends]
            if any(state in {"Failed", "Omitted"} for state in states):
                del self.pending[name]
                self._record(TaskResult(name=name, status="Omitted"))
                log.info("task_omitted", extra=fields(task=name, after=list(task.depends)))
            elif all(state == "Succeeded" for state in states):
                del self.pending[name]
                self._launch(pool, task)

    def _launch(self, pool: ThreadPoolExecutor, task: DagTask) -> None:
        template = self.workflow.steps[task.template]
        self.started[task.name] = time.perf_counter()
        if task.with_param is None:
            step = _Step(task.name, template, _inputs(task, template, self.scope), self.scope)
            self.running[pool.submit(step.run, self.log_dir, self.sleep, self.forks)] = (
                task.name,
                None,
            )
            return
        items = json.loads(substitute(task.with_param, self.scope))
        self.items[task.name] = [None] * len(items)
        if not items:
            self._record(TaskResult(name=task.name, status="Succeeded"))
        for index, item in enumerate(items):
            scope = {**self.scope, "item": item if isinstance(item, str) else json.dumps(item)}
            step = _Step(
                f"{task.name}({index}:{_shortened(scope['item'])})",
                template,
                _inputs(task, template, scope),
                scope,
            )
            self.running[pool.submit(step.run, self.log_dir, self.sleep, self.forks)] = (
                task.name,
                index,
            )

    def _submit(self, pool: ThreadPoolExecutor, step: _Step, name: str, index: int | None) -> None:
        future = pool.submit(step.run, self.log_dir, self.sleep, self.forks)
        self.running[future] = (name, index)

    def _finish(self, name: str, index: int | None, result: TaskResult) -> None:
        if index is None:
            self._record(result)
            return
        items = self.items[name]
        items[index] = result
        children = [item for item in items if item is not None]
        if len(children) == len(items):
            ok = all(child.status == "Succeeded" for child in children)
            self._record(
                TaskResult(
                    name=name,
                    status="Succeeded" if ok else "Failed",
                    seconds=time.perf_counter() - self.started[name],
                    children=children,
                )
            )

    def _record(self, result: TaskResult) -> None:
        self.results[result.name] = result
        self.scope[f"tasks.{result.name}.outputs.result"] = result.stdout
        self.scope[f"tasks.{result.name}.status"] = result.status


def _inputs(task: DagTask, template: StepTemplate, scope: Mapping[str, str]) -> dict[str, str]:
    values = {}
    for name, default in template.inputs.items():
        if name in task.arguments:
            values[name] = substitute(task.arguments[name], scope)
        elif default is not None:
            values[name] = default
        else:
            raise KeyError(f"task {task.name!r} gives no value for input {name!r}")
    return values


@dataclass(frozen=True)
class _Step:
    """One process to run: a template with its inputs and expression scope. Strictly private."""

    name: str
    template: StepTemplate
    inputs: Mapping[str, str]
    scope: Mapping[str, str]

    def command(self) -> list[str]:
        """The container's command and arguments, parameters substituted."""
        values = {**self.scope, **{f"inputs.parameters.{k}": v for k, v in self.inputs.items()}}
        return [substitute(part, values) for part in [*self.template.command, *self.template.args]]

    def argv(self) -> list[str]:
        argv = self.command()
        if argv and argv[0] == "glucolake":
            # The image's entry point is this very command: run it with this interpreter.
            argv = [sys.executable, "-m", "glucolake", *argv[1:]]
        return argv

    def run(
        self, log_dir: Path, sleep: Callable[[float], None], forks: Forks | None = None
    ) -> TaskResult:
        command = self.command()
        argv = self.argv()
        glucolake_args = command[1:] if command and command[0] == "glucolake" else None
        log_file = log_dir / f"{self.name}.log"
        started = time.perf_counter()
        retry = self.template.retry
        attempts, status, stdout = 0, "Failed", ""
        while attempts <= retry.limit and status != "Succeeded":
            attempts += 1
            if attempts > 1:
                wait_s = retry.delay(attempts - 1)
                log.warning(
                    "task_retry", extra=fields(task=self.name, attempt=attempts, wait_s=wait_s)
                )
                sleep(wait_s)
            with log_file.open("a") as handle:
                handle.write(f"# attempt {attempts}: {' '.join(argv)}\n")
                handle.flush()
                forked = (
                    forks.run(glucolake_args, handle)
                    if forks is not None and glucolake_args is not None
                    else None
                )
                if forked is None:
                    # The argv comes from the committed, rendered workflow, not from user input.
                    process = subprocess.run(  # noqa: S603
                        argv, stdout=subprocess.PIPE, stderr=handle, text=True, check=False
                    )
                    forked = (process.returncode, process.stdout)
                returncode, output = forked
                handle.write(output)
            stdout = output.strip()
            status = "Succeeded" if returncode == 0 else "Failed"
        seconds = time.perf_counter() - started
        log.info(
            "task_finished",
            extra=fields(
                task=self.name, status=status, attempts=attempts, seconds=round(seconds, 2)
            ),
        )
        return TaskResult(
            name=self.name,
            status=status,
            seconds=seconds,
            attempts=attempts,
            log_file=log_file,
            stdout=stdout,
        )


_ITEM_SHOWN = 60


def _shortened(item: str) -> str:
    """An item as its task's name shows it (and its log file's name): its start when long.

    Argo names a fan-out's node after its whole item; an ingest part lists its sources' ids,
    which would make file names longer than a file system allows. The index keeps names unique.
    """
    return item if len(item) <= _ITEM_SHOWN else item[: _ITEM_SHOWN - 3] + "..."
