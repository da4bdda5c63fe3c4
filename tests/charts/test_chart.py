"""The glucolake chart rendered by the real helm, for every scenario, validated strictly."""

from __future__ import annotations

import base64
import re

import kubernetes_validate
import pytest
import yaml
from tests import chart_render
from tests.argo_schema import ARGO_KINDS, argo_validator
from tests.chart_render import CHART, KUBE_VERSION, SCENARIOS, template, values_args
from workflows.render import RENDERED

from glucolake.settings import Settings
from workflows import _steps

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def chart(tmp_path_factory):
    return chart_render.chart_without_dependencies(tmp_path_factory.mktemp("chart"))


@pytest.fixture(scope="module")
def rendered(chart):
    return {name: template(chart, *values_args(files)) for name, files in SCENARIOS.items()}


def by_name(documents, kind, name):
    matches = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, (kind, name, len(matches))
    return matches[0]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_helm_lint_strict(chart, scenario):
    result = chart_render.helm(
        "lint", chart, "--strict", "--kube-version", KUBE_VERSION,
        *chart_render.WITHOUT_UPSTREAM, *values_args(SCENARIOS[scenario]),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_core_kinds_valid_against_kubernetes_strict(rendered, scenario):
    core = [d for d in rendered[scenario] if d["kind"] not in ARGO_KINDS]
    assert core
    for document in core:
        # Raises with the path of the first error; strict: unknown fields are errors.
        kubernetes_validate.validate(document, KUBE_VERSION, strict=True)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_argo_kinds_valid_against_argos_strict_schema(rendered, scenario):
    argo = [d for d in rendered[scenario] if d["kind"] in ARGO_KINDS]
    assert {d["kind"] for d in argo} == {"WorkflowTemplate", "CronWorkflow"}
    for document in argo:
        errors = list(argo_validator(document["kind"]).iter_errors(document))
        assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_manifests_validated_count(rendered):
    # Six scenarios, each a complete install: the count keeps the suite honest when it shrinks.
    assert sum(len(documents) for documents in rendered.values()) >= 100


def test_workflows_are_applied_verbatim_argo_expressions_intact(rendered):
    files = {p.name: yaml.safe_load(p.read_text()) for p in RENDERED.glob("*.yaml")}
    applied = {
        d["metadata"]["name"] + ".yaml": d
        for d in rendered["ci/kind-values"]
        if d["kind"] in ARGO_KINDS
    }
    assert applied == files
    text = yaml.safe_dump(applied["glucolake-pipeline.yaml"])
    assert "{{workflow.uid}}" in text
    assert "{{tasks.plan.outputs.result}}" in text


def test_app_version_is_the_workflows_release():
    metadata = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert metadata["appVersion"] == _steps.RELEASE


def test_pipeline_image_override_reaches_every_workflow_step(rendered):
    images = {
        c["image"]
        for d in rendered["ci/production-values"]
        for _, pod in chart_render.pod_specs(d)
        for c in chart_render.containers(pod)
        if "pipeline" in c["image"]
    }
    assert images == {"registry.example.org/glucolake/pipeline:0.1.0"}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_image_pinned_every_container_bounded(rendered, scenario):
    for document in rendered[scenario]:
        for pod_name, pod in chart_render.pod_specs(document):
            for container in chart_render.containers(pod):
                image = container["image"]
                assert re.search(r":[\w][\w.-]*$", image), (pod_name, image)
                assert not image.endswith(":latest"), (pod_name, image)
                for kind in ("requests", "limits"):
                    resources = container.get("resources", {}).get(kind, {})
                    assert {"cpu", "memory"} <= set(resources), (pod_name, container["name"])


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_what_the_workflows_reference_exists_or_is_documented(rendered, scenario):
    documents = rendered[scenario]
    names = {(d["kind"], d["metadata"]["name"]) for d in documents}
    assert ("ConfigMap", "glucolake-settings") in names
    assert ("ConfigMap", "glucolake-sources") in names
    assert ("ConfigMap", "artifact-repositories") in names
    readme = (CHART / "README.md").read_text()
    for secret in ("glucolake-nightscout", "glucolake-s3", "glucolake-warehouse"):
        assert secret in readme


def test_kind_install_points_the_pipeline_at_its_own_services(rendered):
    documents = rendered["ci/kind-values"]
    settings = by_name(documents, "ConfigMap", "glucolake-settings")["data"]
    assert settings == {
        "GLUCOLAKE_LAKE": "s3://glucolake/lake",
        "AWS_ENDPOINT_URL": "http://glucolake-minio:9000",
        "AWS_REGION": "us-east-1",
        "OPENLINEAGE_URL": "http://glucolake-marquez:5000",
        "OPENLINEAGE_NAMESPACE": "glucolake",
    }
    services = {d["metadata"]["name"] for d in documents if d["kind"] == "Service"}
    assert {"glucolake-minio", "glucolake-marquez", "glucolake-postgres"} <= services
    repository = yaml.safe_load(
        by_name(documents, "ConfigMap", "artifact-repositories")["data"]["default"]
    )
    assert repository["s3"]["endpoint"] == "glucolake-minio:9000"
    assert repository["s3"]["insecure"] is True
    assert repository["s3"]["keyFormat"] == "argo/{{workflow.name}}/{{pod.name}}"


def test_kind_sources_are_valid_for_glucolake_and_name_their_secret(rendered, tmp_path):
    documents = rendered["ci/kind-values"]
    sources = tmp_path / "sources.yaml"
    sources.write_text(by_name(documents, "ConfigMap", "glucolake-sources")["data"]["sources.yaml"])
    secret = by_name(documents, "Secret", "glucolake-nightscout")["data"]
    environ = {k: base64.b64decode(v).decode() for k, v in secret.items()}
    settings = Settings.load(environ, sources_file=sources)
    assert [s.id for s in settings.sources] == ["patient-001", "patient-002", "patient-003"]
    assert all(s.api_secret is not None for s in settings.sources)


def test_external_sources_are_valid_for_glucolake(rendered, tmp_path):
    documents = rendered["ci/external-values"]
    sources = tmp_path / "sources.yaml"
    sources.write_text(by_name(documents, "ConfigMap", "glucolake-sources")["data"]["sources.yaml"])
    settings = Settings.load(
        {"ALICE_SECRET": "a" * 12, "BOB_TOKEN": "bob-token"}, sources_file=sources
    )
    assert [s.id for s in settings.sources] == ["alice", "bob"]
    by_id = {s.id: s for s in settings.sources}
    assert by_id["bob"].token is not None


def test_external_install_runs_no_store_and_no_database(rendered):
    kinds = {(d["kind"], d["metadata"]["name"]) for d in rendered["ci/external-values"]}
    assert not any("minio" in name or "postgres" in name for _, name in kinds)
    settings = by_name(rendered["ci/external-values"], "ConfigMap", "glucolake-settings")["data"]
    assert settings["AWS_ENDPOINT_URL"] == "https://s3.eu-central-1.amazonaws.com"


def test_without_bundled_argo_the_chart_makes_the_executor_rbac(rendered):
    documents = rendered["ci/production-values"]
    by_name(documents, "ServiceAccount", "glucolake-workflow")
    role = by_name(documents, "Role", "glucolake-workflow")
    assert role["rules"] == [
        {
            "apiGroups": ["argoproj.io"],
            "resources": ["workflowtaskresults"],
            "verbs": ["create", "patch"],
        }
    ]
    binding = by_name(documents, "RoleBinding", "glucolake-workflow")
    assert binding["subjects"][0]["name"] == "glucolake-workflow"


def test_cron_workflow_can_be_left_out(chart):
    documents = template(chart, "--set", "pipeline.cronWorkflow=false")
    assert "CronWorkflow" not in {d["kind"] for d in documents}
    assert "WorkflowTemplate" in {d["kind"] for d in documents}


@pytest.mark.parametrize(
    "arguments",
    [
        ["--set", "postgres.password=hunter2"],
        ["--set", "pipeline.extraSettings.NIGHTSCOUT_TOKEN=abc"],
        ["--set", "minio.image.tag=latest"],
        ["--set", "pipeline.sources[0].id=a", "--set", "pipeline.sources[0].url=https://u:p@x.org"],
        ["--set", "postgres.warehouseDatabase=x;drop"],
    ],
)
def test_schema_refuses_credentials_latest_and_injection(chart, arguments):
    result = chart_render.helm(
        "template", "glucolake", chart, *chart_render.WITHOUT_UPSTREAM, *arguments
    )
    assert result.returncode != 0
    assert "schema" in result.stderr


def test_notes_name_the_urls_to_open():
    # `helm install --dry-run` needs a reachable cluster even client-side; NOTES.txt is read here.
    notes = (CHART / "templates" / "NOTES.txt").read_text()
    for url in (
        "http://localhost:2746",
        "http://localhost:8088",
        "http://localhost:3000",
        "http://localhost:9001",
    ):
        assert url in notes
