"""Backfill a period: the same pipeline, with ``since`` and ``until`` required.

Submit it from the Argo UI or ``make argo-submit WORKFLOW=glucolake-backfill -p since=… -p
until=…``. It runs the pipeline template's own DAG through a template reference, so the steps
exist in exactly one place.
"""

from __future__ import annotations

from hera.workflows import DAG, Parameter, Task, WorkflowTemplate
from hera.workflows import models as m

from workflows._steps import SOURCES_FILE, pod_spec_defaults

__all__ = ["w"]

with WorkflowTemplate(
    name="glucolake-backfill",
    entrypoint="backfill",
    arguments=[
        Parameter(name="since", description="first UTC date to fetch again (required)"),
        Parameter(name="until", description="UTC date to stop before (required)"),
        Parameter(name="sources", value="all", description="'all' or comma-separated source ids"),
    ],
    **pod_spec_defaults(),
) as w:
    with DAG(
        name="backfill",
        inputs=[Parameter(name="since"), Parameter(name="until"), Parameter(name="sources")],
    ):
        Task(
            name="pipeline",
            template_ref=m.TemplateRef(name="glucolake-pipeline", template="pipeline"),
            arguments={
                "sources": "{{inputs.parameters.sources}}",
                "since": "{{inputs.parameters.since}}",
                "until": "{{inputs.parameters.until}}",
                # A backfill rewrites the lake layers from raw: the period may be anywhere.
                "full-refresh": "true",
                "sources-file": SOURCES_FILE,
            },
        )
