"""The workflow's ingest: `plan` cuts the cohort in parts, one ingest per part runs at once."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from tests.helpers import home_environment

from .conftest import raw_documents, run_cli, sources_file

pytestmark = pytest.mark.slow


def test_parts_ingested_side_by_side_store_every_source_once(simulator, tmp_path):
    sim = simulator(sources=5, days=2, seed=8, quirks=True)
    path = sources_file(tmp_path, sim, sim.source_ids)
    home = tmp_path / "home"
    listed = run_cli("sources", "--sources", str(path), "--parts", "2", home=home)
    assert listed.returncode == 0, listed.stderr
    parts = json.loads(listed.stdout)
    assert parts == [",".join(sim.source_ids[:2]), ",".join(sim.source_ids[2:])]

    pods = [
        subprocess.Popen(
            [sys.executable, "-m", "glucolake", "ingest", "--sources", str(path), "--only", part],
            env=home_environment(home),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for part in parts
    ]
    for pod in pods:
        _, stderr = pod.communicate(timeout=300)
        assert pod.returncode == 0, stderr[-3000:]

    for collection in ("entries", "treatments", "devicestatus"):
        stored = raw_documents(home / "lake", collection)
        assert len(stored) == len(set(stored)), f"{collection}: a document stored twice"
        expected = sum(sim.truth(sid)[collection]["documents"] for sid in sim.source_ids)
        assert len(stored) == expected, f"{collection}: documents lost"
