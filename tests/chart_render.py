"""Render the glucolake chart with the real helm, without the upstream charts it depends on.

The argo-workflows dependency cannot be downloaded here (no access to ghcr.io), and helm refuses
to render or lint a chart whose declared dependencies are missing. So the chart is copied with
its `dependencies:` removed and rendered with `argo-workflows.enabled=false`, the chart's own
condition: exactly our templates, none of upstream's. Our values for upstream are checked
against upstream's keys separately (tests/charts/test_upstream_values.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPOSITORY = Path(__file__).parents[1]
CHART = REPOSITORY / "charts" / "glucolake"
KUBE_VERSION = "1.36.0"
# Every values file a user installs with: the chart's ci scenarios and the GitOps environments.
SCENARIOS = {
    "default": [],
    **{f"ci/{p.stem}": [p] for p in sorted((CHART / "ci").glob("*-values.yaml"))},
    **{
        f"env/{p.parent.name}": [p]
        for p in sorted((REPOSITORY / "deploy" / "envs").glob("*/values.yaml"))
    },
}
WITHOUT_UPSTREAM = ["--set", "argo-workflows.enabled=false"]


def helm_binary() -> str:
    """The pinned helm (`make helm`; the test targets install it and pass $HELM)."""
    helm = os.environ.get("HELM") or str(REPOSITORY / "bin" / "helm")
    if not Path(helm).is_file():
        pytest.fail(f"no helm at {helm}: run `make helm` (make test and test-fast do)")
    return helm


def chart_without_dependencies(directory: Path) -> Path:
    """A copy of the chart whose Chart.yaml declares no dependency."""
    copy = directory / "glucolake"
    shutil.copytree(CHART, copy, ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    metadata = yaml.safe_load((copy / "Chart.yaml").read_text())
    assert [d["name"] for d in metadata.pop("dependencies")] == ["argo-workflows"]
    (copy / "Chart.yaml").write_text(yaml.safe_dump(metadata, sort_keys=False))
    return copy


def helm(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run helm; the result, whatever the exit status."""
    return subprocess.run(
        [helm_binary(), *map(str, args)], capture_output=True, text=True, check=False
    )


def template(chart: Path, *args: str | Path) -> list[dict]:
    """`helm template` as release glucolake in namespace glucolake: the documents, in order."""
    result = helm(
        "template", "glucolake", chart, "--namespace", "glucolake",
        "--kube-version", KUBE_VERSION, *WITHOUT_UPSTREAM, *args,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def values_args(files: list[Path]) -> list[str]:
    """--values arguments for a scenario."""
    return [arg for f in files for arg in ("--values", str(f))]


def pod_specs(document: dict) -> list[tuple[str, dict]]:
    """Every pod spec a manifest makes, with a name: workloads, Jobs and Argo's workflows."""
    kind, spec = document["kind"], document.get("spec", {})
    name = f"{kind}/{document['metadata']['name']}"
    if kind in {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}:
        return [(name, spec["template"]["spec"])]
    if kind == "CronWorkflow":
        spec = spec["workflowSpec"]
    if kind in {"WorkflowTemplate", "CronWorkflow", "Workflow"} and "templates" in spec:
        # Argo builds one pod per container template, with the workflow's pod-level settings.
        pod = {k: v for k, v in spec.items() if k != "templates"}
        return [
            (f"{name}:{t['name']}", {**pod, "containers": [{"name": "main", **t["container"]}]})
            for t in spec["templates"]
            if "container" in t
        ]
    return []


def containers(pod: dict) -> list[dict]:
    """Init and main containers of a pod spec."""
    return [*pod.get("initContainers", []), *pod.get("containers", [])]
