"""Argo's JSON schema (v4.1.2) made strict: shared by the workflow and the chart tests."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

import jsonschema

SCHEMA = Path(__file__).parent / "fixtures" / "schemas" / "argo-workflows-v4.1.2.schema.json"
ARGO_KINDS = frozenset(
    {
        "ClusterWorkflowTemplate",
        "CronWorkflow",
        "Workflow",
        "WorkflowEventBinding",
        "WorkflowTemplate",
    }
)


def strict(schema):
    """Forbid unknown keys everywhere Argo's schema lists the known ones (it never does itself)."""
    schema = copy.deepcopy(schema)

    def visit(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return schema


@functools.cache
def _strict_argo_schema():
    return strict(json.loads(SCHEMA.read_text()))


def argo_validator(kind):
    """A validator for one Argo kind, against the strict schema (precise error paths)."""
    return jsonschema.Draft202012Validator(
        {**_strict_argo_schema(), "$ref": f"#/definitions/io.argoproj.workflow.v1alpha1.{kind}"}
    )
