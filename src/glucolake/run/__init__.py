"""``glucolake run``: the rendered Argo DAG, walked on one machine."""

from glucolake.run.executor import TaskResult, run_workflow
from glucolake.run.template import WorkflowDefinition, load_workflow

__all__ = ["TaskResult", "WorkflowDefinition", "load_workflow", "run_workflow"]
