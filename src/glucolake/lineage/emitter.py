"""Emit OpenLineage events: a JSON-lines file by default, Marquez when OPENLINEAGE_URL is set.

Every step's run carries a parent facet naming the pipeline run (the Argo workflow's uid on a
cluster, ``glucolake run``'s id on one machine), so one run's steps form one graph. Nothing from
the environment goes into an event, and error messages are masked like the logs.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.generated import error_message_run, job_type_job, parent_run
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.http import HttpConfig, HttpTransport

from glucolake import __version__

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from glucolake.settings import Settings

__all__ = ["PIPELINE_JOB", "PRODUCER", "Lineage", "StepRun"]

PRODUCER = f"https://github.com/glucolake/glucolake/tree/{__version__}"
PIPELINE_JOB = "glucolake-pipeline"


@dataclass
class StepRun:
    """One step's run: its id, and the datasets it read and wrote (filled in as it goes)."""

    run_id: str
    job: str
    inputs: list[InputDataset] = field(default_factory=list)
    outputs: list[OutputDataset] = field(default_factory=list)


class Lineage:
    """The OpenLineage client glucolake uses, configured once from the settings."""

    def __init__(self, settings: Settings) -> None:
        """Choose the transport: HTTP to ``settings.lineage_url``, else the JSON-lines file."""
        self.namespace = settings.lineage_namespace
        self._secrets = settings.secrets
        self.pipeline_run_id = _as_uuid(settings.pipeline_run_id)
        if settings.lineage_url:
            transport: Any = HttpTransport(
                HttpConfig(url=settings.lineage_url, endpoint="api/v1/lineage")
            )
        else:
            settings.home.mkdir(parents=True, exist_ok=True)
            transport = FileTransport(
                FileConfig(log_file_path=str(settings.home / "lineage.jsonl"), append=True)
            )
        self.client = OpenLineageClient(transport=transport)

    @staticmethod
    def as_input(dataset: OutputDataset) -> InputDataset:
        """The same dataset, read rather than written."""
        return InputDataset(namespace=dataset.namespace, name=dataset.name, facets=dataset.facets)

    @staticmethod
    def file_output(path: Path) -> OutputDataset:
        """A local file written by a step."""
        return OutputDataset(namespace="file://", name=str(path))

    def parent(self) -> dict[str, Any]:
        """The parent facet tying a step to the pipeline run."""
        return {
            "parent": parent_run.ParentRunFacet(
                run=parent_run.Run(runId=self.pipeline_run_id),
                job=parent_run.Job(namespace=self.namespace, name=PIPELINE_JOB),
            )
        }

    def emit(
        self, state: RunState, step: StepRun, run_facets: dict[str, Any] | None = None
    ) -> None:
        """Send one event for ``step`` (a step of the pipeline run, or the pipeline run itself)."""
        parent = {} if step.run_id == self.pipeline_run_id else self.parent()
        self.client.emit(
            RunEvent(
                eventType=state,
                eventTime=datetime.now(UTC).isoformat(),
                run=Run(runId=step.run_id, facets={**parent, **(run_facets or {})}),
                job=Job(
                    namespace=self.namespace,
                    name=step.job,
                    facets={
                        "jobType": job_type_job.JobTypeJobFacet(
                            processingType="BATCH",
                            integration="GLUCOLAKE",
                            jobType="DAG" if step.job == PIPELINE_JOB else "TASK",
                        )
                    },
                ),
                inputs=step.inputs,
                outputs=step.outputs,
                producer=PRODUCER,
            )
        )

    @contextmanager
    def pipeline(self) -> Iterator[StepRun]:
        """The pipeline run itself, the parent of every step: START, then COMPLETE or FAIL."""
        with self._run(StepRun(run_id=self.pipeline_run_id, job=PIPELINE_JOB)) as run:
            yield run

    @contextmanager
    def step(self, job: str) -> Iterator[StepRun]:
        """START now; COMPLETE when the block ends, FAIL (with the error) when it raises."""
        with self._run(StepRun(run_id=str(uuid.uuid4()), job=job)) as run:
            yield run

    @contextmanager
    def _run(self, run: StepRun) -> Iterator[StepRun]:
        self.emit(RunState.START, run)
        try:
            yield run
        except BaseException as exc:
            message = self._mask(str(exc) or type(exc).__name__)
            self.emit(
                RunState.FAIL,
                run,
                {
                    "errorMessage": error_message_run.ErrorMessageRunFacet(
                        message=message, programmingLanguage="python"
                    )
                },
            )
            raise
        self.emit(RunState.COMPLETE, run)

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "********")
        return text


def _as_uuid(value: str | None) -> str:
    """The pipeline run's id as a UUID (Argo's workflow uid already is one)."""
    if not value:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"glucolake-run:{value}"))
