"""The rendered Argo manifests: in sync with Hera, valid against Argo's schema made strict, sane."""

from __future__ import annotations

import copy
import re

import jsonschema
import pytest
import yaml
from hera.workflows import models as hera_models
from tests import argo_schema
from tests.argo_schema import strict
from workflows.render import RENDERED, rendered

DOCUMENTS = {
    path.name: yaml.safe_load(path.read_text()) for path in sorted(RENDERED.glob("*.yaml"))
}
EXPRESSION = re.compile(r"\{\{\s*([\w.\-]+)\s*\}\}")


@pytest.fixture(scope="module")
def argo_validator():
    return argo_schema.argo_validator


def test_rendered_yaml_matches_the_hera_definitions():
    # Regenerate with `make workflows` after changing workflows/*.py.
    for path, text in rendered().items():
        assert path.is_file(), f"{path.name} missing: run `make workflows`"
        assert path.read_text() == text, f"{path.name} drifted: run `make workflows`"
    assert {p.name for p in rendered()} == set(DOCUMENTS)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_valid_against_argos_strict_schema(argo_validator, name):
    document = DOCUMENTS[name]
    errors = sorted(argo_validator(document["kind"]).iter_errors(document), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_valid_against_heras_model_schema_made_strict(name):
    document = DOCUMENTS[name]
    model = getattr(hera_models, document["kind"])
    schema = strict(model.model_json_schema(by_alias=True))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(document))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_strict_schema_catches_a_misspelled_key(argo_validator):
    document = copy.deepcopy(DOCUMENTS["glucolake-pipeline.yaml"])
    document["spec"]["templates"][1]["retryStrategy"]["limt"] = "3"
    assert list(argo_validator("WorkflowTemplate").iter_errors(document))


def templates_of(document):
    return {t["name"]: t for t in document["spec"].get("templates", [])}


def all_templates():
    return {
        (doc["metadata"]["name"], name): template
        for doc in DOCUMENTS.values()
        for name, template in templates_of(doc).items()
    }


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_reference_resolves_and_every_dag_is_acyclic(name):
    document = DOCUMENTS[name]
    spec = document["spec"]
    known = all_templates()
    if document["kind"] == "CronWorkflow":
        reference = spec["workflowSpec"]["workflowTemplateRef"]["name"]
        assert any(workflow == reference for workflow, _ in known)
        return
    templates = templates_of(document)
    assert spec["entrypoint"] in templates
    for template in templates.values():
        tasks = {t["name"]: t for t in template.get("dag", {}).get("tasks", [])}
        for task in tasks.values():
            if "templateRef" in task:
                target = (task["templateRef"]["name"], task["templateRef"]["template"])
                assert target in known, target
                called = known[target]
            else:
                assert task["template"] in templates, task["template"]
                called = templates[task["template"]]
            declared = {p["name"] for p in called.get("inputs", {}).get("parameters", [])}
            given = {p["name"] for p in task.get("arguments", {}).get("parameters", [])}
            assert given == declared, (task["name"], given ^ declared)
            for dependency in re.findall(r"[\w-]+", task.get("depends", "")):
                assert dependency in tasks, (task["name"], dependency)
        assert not _cycle(tasks), f"{template['name']} has a cycle"


def _cycle(tasks):
    state = {}

    def visit(name):
        if state.get(name) == "open":
            return True
        if state.get(name) == "done":
            return False
        state[name] = "open"
        found = any(visit(d) for d in re.findall(r"[\w-]+", tasks[name].get("depends", "")))
        state[name] = "done"
        return found

    return any(visit(name) for name in tasks)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_expression_names_a_declared_parameter(name):
    document = DOCUMENTS[name]
    workflow_parameters = {
        p["name"] for p in document["spec"].get("arguments", {}).get("parameters", [])
    }
    for template in templates_of(document).values():
        inputs = {p["name"] for p in template.get("inputs", {}).get("parameters", [])}
        tasks = {t["name"] for t in template.get("dag", {}).get("tasks", [])}
        for expression in EXPRESSION.findall(yaml.safe_dump(template)):
            parts = expression.split(".")
            if parts[:2] == ["inputs", "parameters"]:
                assert parts[2] in inputs, (template["name"], expression)
            elif parts[:2] == ["workflow", "parameters"]:
                assert parts[2] in workflow_parameters, (template["name"], expression)
            elif parts[0] == "tasks":
                assert parts[1] in tasks, (template["name"], expression)
            else:
                assert expression in {"item", "workflow.uid", "workflow.name"}, expression


def containers():
    for document in DOCUMENTS.values():
        for template in templates_of(document).values():
            if "container" in template:
                yield template["name"], template["container"]


@pytest.mark.parametrize(("name", "container"), list(containers()))
def test_containers_are_pinned_restricted_bounded_and_secret_free(name, container):
    assert not container["image"].endswith(":latest")
    assert re.search(r":\d+\.\d+\.\d+$", container["image"]), container["image"]
    context = container["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["readOnlyRootFilesystem"] is True
    assert context["capabilities"]["drop"] == ["ALL"]
    assert context["seccompProfile"]["type"] == "RuntimeDefault"
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind]), (name, kind)
    for variable in container.get("env", []):
        assert "valueFrom" in variable or not re.search(
            r"secret|password|token", variable["name"], re.IGNORECASE
        ), variable["name"]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_no_parameter_carries_a_secret(name):
    text = yaml.safe_dump(DOCUMENTS[name]["spec"].get("arguments", {}))
    assert not re.search(r"secret|password|token", text, re.IGNORECASE)


def test_pipeline_retries_ingest_never_the_gate_and_cleans_up():
    spec = DOCUMENTS["glucolake-pipeline.yaml"]["spec"]
    templates = templates_of(DOCUMENTS["glucolake-pipeline.yaml"])
    assert int(templates["ingest"]["retryStrategy"]["limit"]) >= 1
    assert "backoff" in templates["ingest"]["retryStrategy"]
    assert "retryStrategy" not in templates["validate"]
    assert spec["podGC"]["strategy"]
    assert spec["ttlStrategy"]["secondsAfterSuccess"] > 0
    assert spec["activeDeadlineSeconds"] > 0
    assert spec["serviceAccountName"] == "glucolake-workflow"
    dag = {t["name"]: t for t in templates["pipeline"]["dag"]["tasks"]}
    assert dag["ingest"]["withParam"] == "{{tasks.plan.outputs.result}}"
    assert templates["pipeline"]["parallelism"] >= 1


def test_ingest_fans_out_over_parts_of_the_cohort_not_over_every_source():
    # A pod per source would start a clinic's hundred pods every 15 minutes.
    templates = templates_of(DOCUMENTS["glucolake-pipeline.yaml"])
    plan_args = templates["plan"]["container"]["args"]
    parts = int(plan_args[plan_args.index("--parts") + 1])
    assert parts == templates["pipeline"]["parallelism"], "every part's pod runs at once"
    ingest_args = templates["ingest"]["container"]["args"]
    assert ingest_args[ingest_args.index("--only") + 1] == "{{inputs.parameters.source-ids}}"
    dag = {t["name"]: t for t in templates["pipeline"]["dag"]["tasks"]}
    given = {p["name"]: p["value"] for p in dag["ingest"]["arguments"]["parameters"]}
    assert given["source-ids"] == "{{item}}"


def test_cron_refreshes_every_15_minutes_without_overlap():
    spec = DOCUMENTS["glucolake-refresh.yaml"]["spec"]
    assert spec["schedules"] == ["*/15 * * * *"]
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["startingDeadlineSeconds"] > 0
    assert spec["timezone"]
    assert "schedule" not in spec, "Argo v4 removed `schedule`"
