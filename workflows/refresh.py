"""Keep the lakehouse fresh: the pipeline every 15 minutes, never two at once.

A CronWorkflow that references the ``glucolake-pipeline`` WorkflowTemplate. ``Forbid`` skips a
tick while the previous run is still going, and the template's mutex also holds back manual
runs; a tick missed by more than five minutes (controller down) is skipped, not replayed.
"""

from __future__ import annotations

from hera.workflows import CronWorkflow
from hera.workflows import models as m

from workflows._steps import RELEASE

__all__ = ["w"]

w = CronWorkflow(
    name="glucolake-refresh",
    schedules=["*/15 * * * *"],
    timezone="Etc/UTC",
    concurrency_policy="Forbid",
    starting_deadline_seconds=300,
    successful_jobs_history_limit=4,
    failed_jobs_history_limit=8,
    workflow_template_ref=m.WorkflowTemplateRef(name="glucolake-pipeline"),
    labels={"app.kubernetes.io/name": "glucolake", "app.kubernetes.io/version": RELEASE},
)
