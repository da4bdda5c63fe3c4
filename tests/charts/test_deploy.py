"""`make deploy` and friends, kind-config.yaml and GitOps promotion, checked without a cluster."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml
from tests.chart_render import CHART, REPOSITORY

ENVS = REPOSITORY / "deploy" / "envs"


def make_n(*arguments):
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", *arguments],
        cwd=REPOSITORY, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_deploy_builds_loads_and_installs_and_submits_nothing():
    lines = make_n("deploy").splitlines()
    steps = [
        r"kind-v[\d.]+ get clusters",
        r"kind-v[\d.]+ create cluster --name glucolake --config kind-config.yaml",
        r"docker build --file images/pipeline/Dockerfile --tag ghcr.io/glucolake/pipeline:0\.1\.0",
        r"docker build --file images/superset/Dockerfile --tag ghcr.io/glucolake/superset:0\.1\.0",
        (
            r"kind-v[\d.]+ load docker-image --name glucolake ghcr.io/glucolake/pipeline:\S+ "
            r"ghcr.io/glucolake/superset:0\.1\.0"
        ),
        r"helm-v3\.\d+\.\d+ dependency build charts/glucolake",
        r"helm-v3\.\d+\.\d+ upgrade --install glucolake charts/glucolake",
    ]
    positions = []
    for step in steps:
        found = [i for i, line in enumerate(lines) if re.search(step, line)]
        assert found, step
        positions.append(found[0])
    assert positions == sorted(positions), "steps out of order"
    install = " ".join(lines[positions[-1] :])
    for flag in ("--create-namespace", "--wait", "--values charts/glucolake/ci/kind-values.yaml"):
        assert flag in install
    assert not re.search(r"argo\S* submit|kubectl (create|apply)", "\n".join(lines))


def test_undeploy_is_the_inverse_and_idempotent():
    text = make_n("undeploy")
    assert re.search(r"helm-v[\d.]+ uninstall glucolake .*--namespace glucolake", text)
    assert "--ignore-not-found" in text
    assert "--wait" in text


def test_tools_are_pinned_and_go_installed():
    text = make_n("-B", "tools")
    for package in (
        r"helm\.sh/helm/v3/cmd/helm@v3\.\d+\.\d+",
        r"sigs\.k8s\.io/kind@v0\.\d+\.\d+",
        r"github\.com/argoproj/argo-workflows/v3/cmd/argo@v3\.6\.\d+",
    ):
        assert re.search(rf"go install .*{package}", text), package


def test_kind_maps_every_ui_node_port_to_localhost():
    config = yaml.safe_load((REPOSITORY / "kind-config.yaml").read_text())
    mappings = {m["containerPort"]: m["hostPort"] for m in config["nodes"][0]["extraPortMappings"]}
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    kind = yaml.safe_load((CHART / "ci" / "kind-values.yaml").read_text())
    assert kind["superset"]["service"]["type"] == "NodePort"
    assert mappings == {
        values["argo-workflows"]["server"]["serviceNodePort"]: 2746,
        values["superset"]["service"]["nodePort"]: 8088,
        values["marquez"]["web"]["service"]["nodePort"]: 3000,
        values["minio"]["service"]["consoleNodePort"]: 9001,
    }


def test_applicationset_makes_one_application_per_environment():
    appset = yaml.safe_load((REPOSITORY / "deploy" / "argocd" / "applicationset.yaml").read_text())
    assert appset["kind"] == "ApplicationSet"
    generator = appset["spec"]["generators"][0]["git"]
    assert generator["files"] == [{"path": "deploy/envs/*/release.yaml"}]
    chart, values = appset["spec"]["template"]["spec"]["sources"]
    assert chart["path"] == "charts/glucolake"
    assert chart["targetRevision"] == "{{ .release }}"
    assert chart["helm"]["valueFiles"] == ["$values/deploy/envs/{{ .path.basename }}/values.yaml"]
    assert values["ref"] == "values"
    assert {p.name for p in ENVS.iterdir()} >= {"dev", "prod"}
    for env in ENVS.iterdir():
        release = yaml.safe_load((env / "release.yaml").read_text())
        assert set(release) == {"release", "namespace"}
        assert (env / "values.yaml").is_file()
        # Argo CD renders with `helm template`: generated dev secrets would change every sync.
        assert (
            not yaml.safe_load((env / "values.yaml").read_text())
            .get("devSecrets", {})
            .get("create")
        )
    prod = yaml.safe_load((ENVS / "prod" / "release.yaml").read_text())
    assert re.fullmatch(r"v\d+\.\d+\.\d+", prod["release"])


@pytest.fixture
def repository_copy(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(ENVS, copy / "deploy" / "envs")
    shutil.copy(REPOSITORY / "Makefile", copy / "Makefile")
    shutil.copy(CHART / "Chart.yaml", copy / "Chart.yaml")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    subprocess.run([*git, "add", "."], cwd=copy, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=copy, check=True)
    return copy, git


def test_promote_is_one_commit_that_changes_only_prods_release(repository_copy):
    copy, _ = repository_copy
    environment = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org"}
    environment |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    environment["PATH"] = "/usr/bin:/bin"
    result = subprocess.run(
        ["make", "promote", "ENV=prod", "TAG=v9.8.7"],
        cwd=copy, capture_output=True, text=True, check=False, env=environment,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    show = subprocess.run(
        ["git", "show", "--stat", "--format=%s", "HEAD"],
        cwd=copy, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert show.splitlines()[0] == "Promote prod to v9.8.7"
    assert "deploy/envs/prod/release.yaml" in show
    assert "1 file changed, 1 insertion(+), 1 deletion(-)" in show
    assert yaml.safe_load((copy / "deploy/envs/prod/release.yaml").read_text())["release"] == (
        "v9.8.7"
    )


@pytest.mark.parametrize(
    ("env", "tag"), [("prod", "latest"), ("prod", "0.2"), ("nowhere", "v1.0.0"), ("../x", "v1.0.0")]
)
def test_promote_refuses_a_bad_tag_or_environment(repository_copy, env, tag):
    copy, _ = repository_copy
    result = subprocess.run(
        ["make", "promote", f"ENV={env}", f"TAG={tag}"],
        cwd=copy, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=copy, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""
