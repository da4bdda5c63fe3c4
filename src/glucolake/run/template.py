"""The parts of a rendered Argo WorkflowTemplate that running it on one machine needs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["Dag", "DagTask", "StepTemplate", "WorkflowDefinition", "load_workflow"]

_DURATION = re.compile(r"^(\d+)(s|m|h)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600}


class WorkflowFormatError(ValueError):
    """The rendered workflow uses something the local runner does not understand."""


@dataclass(frozen=True)
class Retry:
    """Argo's retryStrategy: attempts after the first, with exponential backoff."""

    limit: int = 0
    duration_s: float = 0.0
    factor: float = 2.0
    max_duration_s: float = 0.0

    def delay(self, retry: int) -> float:
        """Seconds before retry number ``retry`` (1-based)."""
        wait = self.duration_s * self.factor ** (retry - 1)
        return min(wait, self.max_duration_s) if self.max_duration_s else wait


@dataclass(frozen=True)
class StepTemplate:
    """A container template: the command, its arguments and its declared inputs."""

    name: str
    command: list[str]
    args: list[str]
    inputs: dict[str, str | None]
    retry: Retry = Retry()


@dataclass(frozen=True)
class DagTask:
    """One task of a DAG template."""

    name: str
    template: str
    arguments: dict[str, str]
    depends: tuple[str, ...] = ()
    with_param: str | None = None


@dataclass(frozen=True)
class Dag:
    """A DAG template: its inputs, its tasks and how many may run at once."""

    name: str
    inputs: dict[str, str | None]
    tasks: dict[str, DagTask]
    parallelism: int | None = None


@dataclass(frozen=True)
class WorkflowDefinition:
    """A WorkflowTemplate: its arguments, its entrypoint DAG and its step templates."""

    name: str
    arguments: dict[str, str | None]
    entrypoint: Dag
    steps: dict[str, StepTemplate] = field(default_factory=dict)


def load_workflow(path: Path) -> WorkflowDefinition:
    """Read a rendered WorkflowTemplate YAML."""
    document = yaml.safe_load(path.read_text())
    spec = document["spec"]
    templates = {t["name"]: t for t in spec["templates"]}
    steps = {name: _step(t) for name, t in templates.items() if "container" in t}
    entry = templates[spec["entrypoint"]]
    if "dag" not in entry:
        raise WorkflowFormatError(f"{path.name}: the entrypoint {entry['name']!r} is not a DAG")
    dag = Dag(
        name=entry["name"],
        inputs=_parameters(entry.get("inputs", {})),
        tasks={t["name"]: _task(t) for t in entry["dag"]["tasks"]},
        parallelism=entry.get("parallelism") or spec.get("parallelism"),
    )
    for task in dag.tasks.values():
        if task.template not in steps:
            raise WorkflowFormatError(f"{path.name}: task {task.name!r} runs no container template")
    return WorkflowDefinition(
        name=document["metadata"]["name"],
        arguments=_parameters(spec.get("arguments", {})),
        entrypoint=dag,
        steps=steps,
    )


def _parameters(block: dict[str, Any]) -> dict[str, str | None]:
    return {p["name"]: p.get("value", p.get("default")) for p in block.get("parameters", [])}


def _step(template: dict[str, Any]) -> StepTemplate:
    container = template["container"]
    strategy = template.get("retryStrategy") or {}
    backoff = strategy.get("backoff") or {}
    return StepTemplate(
        name=template["name"],
        command=list(container.get("command", [])),
        args=[str(a) for a in container.get("args", [])],
        inputs=_parameters(template.get("inputs", {})),
        retry=Retry(
            limit=int(strategy.get("limit", 0)),
            duration_s=_seconds(backoff.get("duration")),
            factor=float(backoff.get("factor", 2)),
            max_duration_s=_seconds(backoff.get("maxDuration")),
        ),
    )


def _task(task: dict[str, Any]) -> DagTask:
    depends: tuple[str, ...] = tuple(task.get("dependencies", []))
    if "depends" in task:
        # Hera writes `a && b` for plain success dependencies; nothing richer is used here.
        depends = tuple(part.strip() for part in str(task["depends"]).split("&&"))
        if any(not re.fullmatch(r"[\w-]+", d) for d in depends):
            raise WorkflowFormatError(
                f"task {task['name']!r}: unsupported depends {task['depends']!r}"
            )
    arguments = {
        p["name"]: str(p.get("value", "")) for p in task.get("arguments", {}).get("parameters", [])
    }
    return DagTask(
        name=task["name"],
        template=task["template"],
        arguments=arguments,
        depends=depends,
        with_param=task.get("withParam"),
    )


def _seconds(value: object) -> float:
    if value is None:
        return 0.0
    match = _DURATION.match(str(value))
    if match is None:
        return float(json.loads(str(value)))
    return int(match.group(1)) * _SECONDS[match.group(2)]
