"""Our values for the argo-helm chart use only keys upstream 1.0.18 has, and set what we rely on.

The upstream chart cannot be downloaded here; its values' key paths were recorded from
argoproj/argo-helm (charts/argo-workflows/values.yaml, chart 1.0.18) in
tests/fixtures/charts/argo-workflows-1.0.18-values-keys.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from tests.chart_render import CHART, REPOSITORY, SCENARIOS

UPSTREAM = json.loads(
    (
        Path(__file__).parents[1] / "fixtures" / "charts" / "argo-workflows-1.0.18-values-keys.json"
    ).read_text()
)
KEYS = UPSTREAM["keys"]
# The subchart's on/off switch is ours (Chart.yaml `condition`), not a key of upstream's values.
OURS = {"enabled"}


def leaf_paths(node, prefix=()):
    for key, value in node.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and value:
            yield from leaf_paths(value, path)
        else:
            yield path


def known(path):
    """A path upstream declares, or one below an upstream key that takes a free-form map."""
    for depth in range(len(path), 0, -1):
        kind = KEYS.get(".".join(path[:depth]))
        if kind is not None:
            return depth == len(path) or kind == "open-map"
    return False


def test_the_dependency_is_the_recorded_upstream_chart():
    dependency = yaml.safe_load((CHART / "Chart.yaml").read_text())["dependencies"][0]
    assert dependency["name"] == UPSTREAM["chart"]
    assert dependency["version"] == UPSTREAM["version"]
    assert dependency["condition"] == "argo-workflows.enabled"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_argo_workflows_value_we_set_is_an_upstream_key(scenario):
    files = [CHART / "values.yaml", *SCENARIOS[scenario]]
    for values_file in files:
        values = yaml.safe_load(values_file.read_text()).get("argo-workflows", {})
        unknown = [".".join(p) for p in leaf_paths(values) if p[0] not in OURS and not known(p)]
        assert not unknown, (values_file.relative_to(REPOSITORY), unknown)


def test_we_configure_what_kind_needs():
    values = yaml.safe_load((CHART / "values.yaml").read_text())["argo-workflows"]
    # CRDs rendered from the chart (templates/crds.yaml, minimal), not a Job that downloads them.
    assert values["crds"] == {"install": True, "full": False}
    assert "files/crds/minimal" in UPSTREAM["crdTemplates"]
    assert values["server"]["authModes"] == ["server"]
    assert values["workflow"]["serviceAccount"] == {"create": True, "name": "glucolake-workflow"}
    assert values["workflow"]["rbac"]["create"] is True
    assert values["singleNamespace"] is True
    assert values["images"]["pullPolicy"] == "IfNotPresent"
    for key in ("crds.full", "server.authModes", "workflow.serviceAccount.name", "singleNamespace"):
        assert key in KEYS, key


def test_the_executor_sandbox_meets_the_restricted_profile():
    values = yaml.safe_load((CHART / "values.yaml").read_text())["argo-workflows"]
    context = values["executor"]["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    assert context["seccompProfile"]["type"] == "RuntimeDefault"
    for component in ("controller", "server"):
        assert values[component]["podSecurityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert values[component]["resources"]["limits"]
