"""The glucolake pipeline as an Argo WorkflowTemplate.

``plan`` cuts the selected sources into at most ``INGEST_PODS`` parts; ``ingest`` fans out over
the parts, one pod each fetching its sources concurrently (retried with backoff: a site that
hiccups usually answers a minute later, and the part's other sources then find nothing new);
the dbt lake layers, the quality gate (never retried: bad data stays bad), the curated layer and
the warehouse follow in order. ``report`` writes the one-file HTML report into the lake. A failed
task stops everything that depends on it.
"""

from __future__ import annotations

from hera.workflows import DAG, Parameter, RetryStrategy, Task, WorkflowTemplate
from hera.workflows import models as m

from workflows._steps import SOURCES_FILE, container_step, pod_spec_defaults

__all__ = ["INGEST_PODS", "w"]

# Ingest pods per run, whatever the cohort's size: a pod per source would start a hundred pods
# every 15 minutes for a clinic's cohort, each paying its start and imports for seconds of
# fetching; in one pod, a source's fetch overlaps the others'.
INGEST_PODS = 4

PARAMETERS = [
    Parameter(name="sources", value="all", description="'all' or comma-separated source ids"),
    Parameter(
        name="since", value="", description="backfill from this UTC date (empty: incremental)"
    ),
    Parameter(name="until", value="", description="backfill up to this UTC date (exclusive)"),
    Parameter(name="full-refresh", value="false", description="rebuild the lake layers from raw"),
    Parameter(name="sources-file", value=SOURCES_FILE, description="the cohort file"),
]

_INGEST_RETRY = RetryStrategy(
    limit="3",
    retry_policy="Always",
    backoff=m.Backoff(duration="30s", factor="2", max_duration="10m"),
)
_PUBLISH_RETRY = RetryStrategy(
    limit="2",
    retry_policy="OnError",
    backoff=m.Backoff(duration="20s", factor="2", max_duration="2m"),
)


def _input(name: str) -> Parameter:
    return Parameter(name=name)


with WorkflowTemplate(
    name="glucolake-pipeline",
    entrypoint="pipeline",
    arguments=PARAMETERS,
    # One pipeline at a time per namespace, whoever started it (cron, UI, backfill).
    synchronization=m.Synchronization(mutexes=[m.Mutex(name="glucolake-pipeline")]),
    **pod_spec_defaults(),
) as w:
    plan = container_step(
        "plan",
        [
            "sources",
            "--sources",
            "{{inputs.parameters.sources-file}}",
            "--select",
            "{{inputs.parameters.sources}}",
            "--parts",
            str(INGEST_PODS),
        ],
        inputs=[_input("sources"), _input("sources-file")],
        memory="256Mi",
        cpu="100m",
    )
    ingest = container_step(
        "ingest",
        [
            "ingest",
            "--sources",
            "{{inputs.parameters.sources-file}}",
            "--only",
            "{{inputs.parameters.source-ids}}",
            "--since",
            "{{inputs.parameters.since}}",
            "--until",
            "{{inputs.parameters.until}}",
            "--json-logs",
        ],
        inputs=[_input("source-ids"), _input("since"), _input("until"), _input("sources-file")],
        # Four sources fetched at once: a year's first ingest of a cohort peaked at 519 MB
        # (docs/benchmarks.md), a refresh at 250 MB.
        memory="1Gi",
        retry=_INGEST_RETRY,
    )
    transform_intermediate = container_step(
        "transform-intermediate",
        [
            "transform",
            "--stage",
            "intermediate",
            "--full-refresh={{inputs.parameters.full-refresh}}",
            "--json-logs",
        ],
        inputs=[_input("full-refresh")],
        memory="2Gi",
    )
    validate = container_step("validate", ["validate", "--json-logs"], memory="2Gi")
    transform_curated = container_step(
        "transform-curated",
        [
            "transform",
            "--stage",
            "curated",
            "--full-refresh={{inputs.parameters.full-refresh}}",
            "--json-logs",
        ],
        inputs=[_input("full-refresh")],
        memory="2Gi",
    )
    publish = container_step(
        "publish", ["publish", "--json-logs"], memory="1Gi", retry=_PUBLISH_RETRY
    )
    report = container_step("report", ["report", "--json-logs"], memory="512Mi", cpu="250m")

    with DAG(
        name="pipeline",
        # As the entrypoint these come from the workflow's arguments; a backfill passes its own.
        inputs=[Parameter(name=p.name) for p in PARAMETERS],
        # Every ingest pod at once; the other steps run one by one anyway.
        parallelism=INGEST_PODS,
    ):
        planned = Task(
            name="plan",
            template=plan,
            arguments={
                "sources": "{{inputs.parameters.sources}}",
                "sources-file": "{{inputs.parameters.sources-file}}",
            },
        )
        ingested = Task(
            name="ingest",
            template=ingest,
            with_param="{{tasks.plan.outputs.result}}",
            arguments={
                "source-ids": "{{item}}",
                "since": "{{inputs.parameters.since}}",
                "until": "{{inputs.parameters.until}}",
                "sources-file": "{{inputs.parameters.sources-file}}",
            },
        )
        intermediate = Task(
            name="transform-intermediate",
            template=transform_intermediate,
            arguments={"full-refresh": "{{inputs.parameters.full-refresh}}"},
        )
        gate = Task(name="validate", template=validate)
        curated = Task(
            name="transform-curated",
            template=transform_curated,
            arguments={"full-refresh": "{{inputs.parameters.full-refresh}}"},
        )
        published = Task(name="publish", template=publish)
        reported = Task(name="report", template=report)
        planned >> ingested >> intermediate >> gate >> curated >> published >> reported
