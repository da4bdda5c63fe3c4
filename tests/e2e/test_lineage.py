"""OpenLineage from one pipeline run: valid events, one connected graph, no secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

from glucolake.simulate import SimulatorConfig, SimulatorServer

pytestmark = pytest.mark.slow

SCHEMAS = Path(__file__).parents[1] / "fixtures" / "openlineage"
SECRET = "a-lineage-test-secret-value"


@pytest.fixture(scope="module")
def run_lineage(tmp_path_factory):
    home = tmp_path_factory.mktemp("lineage")
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    config = SimulatorConfig(sources=2, days=3, seed=31, now=now, auth="denied", api_secret=SECRET)
    with SimulatorServer(config) as sim:
        cohort = home / "sources.yaml"
        cohort.write_text(
            yaml.safe_dump(
                {
                    "sources": [
                        {"id": s, "url": sim.url_for(s), "api_secret_env": "SITE_SECRET"}
                        for s in sim.source_ids
                    ]
                }
            )
        )
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "GLUCOLAKE_HOME": str(home),
            "SITE_SECRET": SECRET,
        }
        result = subprocess.run(
            [sys.executable, "-m", "glucolake", "run", "--sources", str(cohort)],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = (home / "lineage.jsonl").read_text().splitlines()
    return home, [json.loads(line) for line in lines], "\n".join(lines)


@pytest.fixture(scope="module")
def validators():
    resources = []
    facets = {}
    for path in [SCHEMAS / "OpenLineage.json", *sorted((SCHEMAS / "facets").glob("*.json"))]:
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
        if path.parent.name == "facets":
            facets[path.stem] = schema
    registry = Registry().with_resources(resources)
    core = json.loads((SCHEMAS / "OpenLineage.json").read_text())
    event = jsonschema.Draft202012Validator(
        {"$ref": f"{core['$id']}#/$defs/RunEvent"}, registry=registry
    )

    def facet_validator(name):
        schema = facets[name]
        return jsonschema.Draft202012Validator(
            {"$ref": f"{schema['$id']}#/$defs/{name}"}, registry=registry
        )

    return event, facet_validator, set(facets)


def all_facets(event):
    for owner in [event["run"], event["job"], *event.get("inputs", []), *event.get("outputs", [])]:
        for key in ("facets", "inputFacets", "outputFacets"):
            yield from (owner.get(key) or {}).values()


def test_every_event_validates_against_the_openlineage_schemas(run_lineage, validators):
    _, events, _ = run_lineage
    event_validator, facet_validator, known = validators
    assert len(events) > 20
    checked = 0
    for event in events:
        errors = [e.message for e in event_validator.iter_errors(event)]
        assert not errors, (event["job"]["name"], errors[:3])
        for facet in all_facets(event):
            name = facet["_schemaURL"].rsplit("/", 1)[-1].split("#")[0].removesuffix(".json")
            if name in known:
                facet_errors = [e.message for e in facet_validator(name).iter_errors(facet)]
                assert not facet_errors, (name, facet_errors[:3])
                checked += 1
    assert checked > 50


def test_every_step_starts_and_ends_under_one_pipeline_run(run_lineage):
    _, events, _ = run_lineage
    pipeline = {e["run"]["runId"] for e in events if e["job"]["name"] == "glucolake-pipeline"}
    assert len(pipeline) == 1
    steps = defaultdict(set)
    for event in events:
        name = event["job"]["name"]
        if name.startswith("glucolake."):
            steps[name.split(".")[1]].add(event["eventType"])
            assert event["run"]["facets"]["parent"]["run"]["runId"] in pipeline
    for step in ("ingest", "transform", "validate", "publish"):
        assert {"START", "COMPLETE"} <= steps[step], step


def test_lineage_is_one_graph_from_nightscout_to_the_marts(run_lineage):
    _, events, _ = run_lineage
    edges = defaultdict(set)
    for event in events:
        if event["eventType"] != "COMPLETE":
            continue
        for source in event.get("inputs", []):
            for target in event.get("outputs", []):
                edges[(source["namespace"], source["name"])].add(
                    (target["namespace"], target["name"])
                )
    starts = [node for node in edges if node[1] == "/api/v1/entries"]
    assert starts
    reached, frontier = set(starts), list(starts)
    while frontier:
        for nxt in edges.get(frontier.pop(), ()):
            if nxt not in reached:
                reached.add(nxt)
                frontier.append(nxt)
    names = {name for _, name in reached}
    assert any(name.endswith("marts.mart_glucose_summary") for name in names), sorted(names)[-10:]
    assert any(name.endswith("intermediate/int_glucose_enriched.parquet") for name in names)


def test_the_gate_reports_assertions_and_dbt_models_carry_sql(run_lineage):
    _, events, _ = run_lineage
    gate = [
        e
        for e in events
        if e["job"]["name"] == "glucolake.validate" and e["eventType"] == "COMPLETE"
    ]
    assertions = [
        a
        for dataset in gate[0]["inputs"]
        for a in dataset.get("inputFacets", {})
        .get("dataQualityAssertions", {})
        .get("assertions", [])
    ]
    assert len(assertions) >= 20
    models = [
        e
        for e in events
        if e["job"]["name"].endswith(".build.run") and e["eventType"] == "COMPLETE"
    ]
    assert models
    queries = {e["job"]["name"]: e["job"]["facets"]["sql"]["query"] for e in models}
    for name, query in queries.items():
        # The one Python model carries its Python source; every other model its SQL.
        assert ("def model(" in query) if "glucose_window_metrics" in name else ("select" in query)


def test_no_secret_in_any_event(run_lineage):
    _, _, text = run_lineage
    assert SECRET not in text
    assert "api-secret" not in text.lower()
