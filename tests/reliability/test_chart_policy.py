"""Every pod the chart makes meets the restricted Pod Security Standard; no secret leaks out of
its Secret.

The restricted profile is checked as Kubernetes' Pod Security admission checks it
(https://kubernetes.io/docs/concepts/security/pod-security-standards/), for every scenario the
chart is installed with, Argo's workflow pods included (their pod settings come from the
WorkflowTemplates the chart applies).
"""

from __future__ import annotations

import base64
import json
import re

import pytest
import yaml
from tests import chart_render
from tests.chart_render import SCENARIOS, template, values_args

pytestmark = pytest.mark.timeout(600)

# Volume types the restricted profile allows.
RESTRICTED_VOLUMES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
    "projected", "secret",
}  # fmt: skip
SECRET_NAMES = ("glucolake-s3", "glucolake-postgres", "glucolake-warehouse", "glucolake-superset")


@pytest.fixture(scope="module")
def chart(tmp_path_factory):
    return chart_render.chart_without_dependencies(tmp_path_factory.mktemp("chart"))


@pytest.fixture(scope="module")
def rendered(chart):
    return {name: template(chart, *values_args(files)) for name, files in SCENARIOS.items()}


def restricted_violations(pod):
    """What Pod Security admission (level restricted) would refuse in this pod spec."""
    pod_context = pod.get("securityContext", {})
    problems = [flag for flag in ("hostNetwork", "hostPID", "hostIPC") if pod.get(flag)]
    problems += [
        f"volume {volume['name']}: {sorted(set(volume) - {'name'})}"
        for volume in pod.get("volumes", [])
        if not set(volume) - {"name"} <= RESTRICTED_VOLUMES
    ]
    if pod_context.get("runAsUser") == 0:
        problems.append("pod runAsUser 0")
    for container in chart_render.containers(pod):
        problems += [f"{container['name']}: {p}" for p in _container(container, pod_context)]
    return problems


def _container(container, pod_context):
    context = container.get("securityContext", {})
    capabilities = context.get("capabilities", {})
    seccomp = context.get("seccompProfile") or pod_context.get("seccompProfile") or {}
    checks = {
        "privileged": bool(context.get("privileged")),
        "allowPrivilegeEscalation not false": context.get("allowPrivilegeEscalation") is not False,
        "capabilities not dropped": "ALL" not in capabilities.get("drop", []),
        "capabilities added": bool(set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}),
        "runAsNonRoot not set": not (
            context.get("runAsNonRoot") or pod_context.get("runAsNonRoot")
        ),
        "runAsUser 0": context.get("runAsUser") == 0,
        f"seccomp {seccomp.get('type')}": seccomp.get("type")
        not in {"RuntimeDefault", "Localhost"},
        "hostPort": any(port.get("hostPort") for port in container.get("ports", [])),
    }
    return [problem for problem, failed in checks.items() if failed]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_pod_meets_the_restricted_pod_security_standard(rendered, scenario):
    pods = [p for d in rendered[scenario] for p in chart_render.pod_specs(d)]
    assert len(pods) >= 3
    failures = {name: problems for name, pod in pods if (problems := restricted_violations(pod))}
    assert not failures, failures


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_container_runs_on_a_read_only_root_file_system(rendered, scenario):
    # Every image here allows it: the writable places are emptyDir volumes.
    for document in rendered[scenario]:
        for name, pod in chart_render.pod_specs(document):
            for container in chart_render.containers(pod):
                context = container["securityContext"]
                assert context.get("readOnlyRootFilesystem") is True, (name, container["name"])


def test_the_checker_catches_what_admission_refuses():
    good = {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            {
                "name": "c",
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"drop": ["ALL"]},
                },
            }
        ],
    }
    assert restricted_violations(good) == []
    bad = json.loads(json.dumps(good))
    bad["hostNetwork"] = True
    bad["volumes"] = [{"name": "h", "hostPath": {"path": "/"}}]
    bad["containers"][0]["securityContext"] |= {"privileged": True, "runAsUser": 0}
    bad["containers"][0]["securityContext"]["capabilities"]["add"] = ["SYS_ADMIN"]
    del bad["securityContext"]["seccompProfile"]
    assert len(restricted_violations(bad)) == 6


@pytest.mark.parametrize("scenario", ["default", "ci/external-values", "ci/production-values"])
def test_without_dev_secrets_the_chart_creates_no_secret_at_all(rendered, scenario):
    assert [d["metadata"]["name"] for d in rendered[scenario] if d["kind"] == "Secret"] == []


def test_secrets_are_referenced_by_name_only(rendered):
    # With existing Secrets (the production way), every consumer names them and nothing else.
    text = yaml.safe_dump_all(rendered["ci/external-values"])
    for name in ("glucolake-postgres", "glucolake-superset", "glucolake-s3"):
        assert f"name: {name}" in text


def secret_values(documents):
    """Every value held in a Secret's data (decoded), with its Secret's name."""
    values = {}
    for document in documents:
        if document["kind"] == "Secret":
            for key, encoded in document.get("data", {}).items():
                values[base64.b64decode(encoded).decode()] = (document["metadata"]["name"], key)
            assert "stringData" not in document
    return values


def forms(value):
    """The ways a secret can show up in a manifest: as is, base64, or inside a URL."""
    return {value, base64.b64encode(value.encode()).decode()}


def test_generated_dev_secrets_appear_only_in_their_secret(rendered):
    documents = rendered["ci/kind-values"]
    values = secret_values(documents)
    names = {name for name, _ in values.values()}
    assert {*SECRET_NAMES, "glucolake-nightscout"} <= names
    # The warehouse URL is composed from the Postgres password: both stay inside Secrets.
    secrets_only = [d for d in documents if d["kind"] == "Secret"]
    others = yaml.safe_dump_all([d for d in documents if d["kind"] != "Secret"])
    for value, (name, key) in values.items():
        secret_fragments = [v for v in (value, *re.findall(r":([A-Za-z0-9]{32})@", value)) if v]
        for fragment in secret_fragments:
            for form in forms(fragment):
                assert form not in others, (name, key)
    # ...and inside a Secret, only in `data` (never in labels or annotations).
    for document in secrets_only:
        outside = yaml.safe_dump({k: v for k, v in document.items() if k != "data"})
        for value in values:
            assert value not in outside


@pytest.mark.parametrize(
    "arguments",
    [
        # A user who pastes known values where names or settings belong is refused by the schema.
        ["--set", "postgres.password=KNOWN-pg-password-1234"],
        ["--set", "minio.rootPassword=KNOWN-minio-password-1234"],
        ["--set", "superset.adminPassword=KNOWN-superset-password-1234"],
        ["--set-string", "pipeline.extraSettings.ALICE_SECRET=KNOWN-nightscout-secret-1234"],
        ["--set-string", "pipeline.extraSettings.AWS_SECRET_ACCESS_KEY=KNOWN-s3-secret-1234"],
        ["--set-string", "pipeline.sources[0].id=a", "--set-string",
         "pipeline.sources[0].url=https://user:KNOWN-in-url-1234@a.example.org"],
    ],
)  # fmt: skip
def test_a_known_secret_passed_as_a_value_is_refused_and_never_rendered(chart, arguments):
    result = chart_render.helm(
        "template", "glucolake", chart, *chart_render.WITHOUT_UPSTREAM, *arguments
    )
    assert result.returncode != 0
    assert "KNOWN-" not in result.stdout


def test_known_secrets_supplied_as_existing_secrets_appear_nowhere(chart):
    # The way a user supplies credentials: create the Secrets (kubectl, a secret manager), then
    # install with values that only name the sources' variables. Nothing known can leak.
    documents = template(
        chart,
        *values_args(SCENARIOS["ci/external-values"]),
        "--set-string", "pipeline.sources[0].id=alice",
        "--set-string", "pipeline.sources[0].url=https://alice.example.org",
        "--set-string", "pipeline.sources[0].api_secret_env=ALICE_SECRET",
    )  # fmt: skip
    text = yaml.safe_dump_all(documents)
    assert "ALICE_SECRET" in text
    assert not [d for d in documents if d["kind"] == "Secret"]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_no_container_gets_a_credential_as_a_literal_value(rendered, scenario):
    for document in rendered[scenario]:
        for name, pod in chart_render.pod_specs(document):
            for container in chart_render.containers(pod):
                for variable in container.get("env", []):
                    if re.search(r"secret|password|token|_key$", variable["name"], re.IGNORECASE):
                        assert "valueFrom" in variable, (name, variable["name"])
                    assert not re.search(r"://[^/@\s]+:[^/@\s]+@", variable.get("value", ""))
