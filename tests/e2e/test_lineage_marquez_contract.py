"""Lineage over HTTP to a receiver that enforces Marquez's API contract.

Marquez itself cannot run here: its server artifact (io.github.marquezproject:marquez-api) is
not on Maven Central (404 for every version; only the old marquez-java client is), it publishes
no chart and its images need a registry. This receiver keeps the parts of Marquez's contract
glucolake relies on: `POST /api/v1/lineage` takes one OpenLineage RunEvent, answers 201 and
refuses an event that breaks the OpenLineage schema with 422; `GET /api/v1/lineage?nodeId=…`
answers the graph around a node as Marquez does (nodes with inEdges and outEdges).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import requests
from referencing import Registry, Resource
from tests.helpers import home_environment, run_pipeline

pytestmark = pytest.mark.slow

SCHEMAS = Path(__file__).parents[1] / "fixtures" / "openlineage"


def event_validator():
    core = json.loads((SCHEMAS / "OpenLineage.json").read_text())
    registry = Registry().with_resources([(core["$id"], Resource.from_contents(core))])
    return jsonschema.Draft202012Validator(
        {"$ref": f"{core['$id']}#/$defs/RunEvent"}, registry=registry
    )


class MarquezContract(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.events = []
        self.validator = event_validator()
        self.lock = threading.Lock()

    def graph(self, node_id, depth):
        edges = defaultdict(set)  # node -> neighbours (both directions)
        in_edges, out_edges = defaultdict(set), defaultdict(set)
        with self.lock:
            events = list(self.events)
        for event in events:
            if event["eventType"] != "COMPLETE":
                continue
            job = f"job:{event['job']['namespace']}:{event['job']['name']}"
            for dataset in event.get("inputs", []):
                node = f"dataset:{dataset['namespace']}:{dataset['name']}"
                out_edges[node].add((node, job))
                in_edges[job].add((node, job))
                edges[node].add(job)
                edges[job].add(node)
            for dataset in event.get("outputs", []):
                node = f"dataset:{dataset['namespace']}:{dataset['name']}"
                out_edges[job].add((job, node))
                in_edges[node].add((job, node))
                edges[job].add(node)
                edges[node].add(job)
        seen, frontier = {node_id}, [node_id]
        for _ in range(depth):
            frontier = [n for f in frontier for n in edges[f] if n not in seen]
            seen.update(frontier)
        return [
            {
                "id": node,
                "type": node.split(":", 1)[0].upper(),
                "inEdges": [{"origin": o, "destination": d} for o, d in sorted(in_edges[node])],
                "outEdges": [{"origin": o, "destination": d} for o, d in sorted(out_edges[node])],
            }
            for node in sorted(seen)
        ]


class _Handler(BaseHTTPRequestHandler):
    server: MarquezContract

    def log_message(self, *args):
        pass

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        if urlsplit(self.path).path != "/api/v1/lineage":
            self._answer(404, {"code": 404, "message": "HTTP 404 Not Found"})
            return
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        errors = [e.message for e in self.server.validator.iter_errors(event)]
        if errors:
            self._answer(422, {"errors": errors[:5]})
            return
        with self.server.lock:
            self.server.events.append(event)
        self._answer(201, {})

    def do_GET(self):
        parts = urlsplit(self.path)
        if parts.path != "/api/v1/lineage":
            self._answer(404, {"code": 404, "message": "HTTP 404 Not Found"})
            return
        query = parse_qs(parts.query)
        graph = self.server.graph(query["nodeId"][0], int(query.get("depth", ["20"])[0]))
        self._answer(200, {"graph": graph})


@pytest.fixture
def marquez():
    server = MarquezContract()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_receiver_refuses_what_marquez_refuses(marquez):
    _, url = marquez
    response = requests.post(f"{url}/api/v1/lineage", json={"eventType": "START"}, timeout=10)
    assert response.status_code == 422


def test_a_pipeline_run_reads_back_as_one_graph_from_marquez(marquez, tmp_path):
    server, url = marquez
    env = home_environment(tmp_path, OPENLINEAGE_URL=url)
    run_pipeline(tmp_path, env, sources=1, days=3, seed=5)
    assert not (tmp_path / "lineage.jsonl").exists(), "with OPENLINEAGE_URL, events go over HTTP"
    assert len(server.events) > 20
    node = f"dataset:duckdb://{tmp_path / 'warehouse.duckdb'}:warehouse.marts.mart_glucose_summary"
    graph = requests.get(
        f"{url}/api/v1/lineage", params={"nodeId": node, "depth": 40}, timeout=10
    ).json()["graph"]
    ids = {n["id"] for n in graph}
    assert any(i.endswith(":/api/v1/entries") for i in ids), "upstream reaches Nightscout"
    assert any(i.startswith("job:glucolake:glucolake.validate") for i in ids)
