"""The pipeline, defined once in Hera: WorkflowTemplates and a CronWorkflow for Argo Workflows.

Each module exports its workflow as ``w``; ``python -m workflows.render`` writes the YAML into
``charts/glucolake/files/workflows/``, which the Helm chart applies and ``glucolake run`` walks
on one machine.
"""
