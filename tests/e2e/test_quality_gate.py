"""The quality gate between intermediate and curated, run as the pipeline runs it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
import yaml
from tests.helpers import home_environment

from glucolake.lake import Lake
from glucolake.lake.changes import ChangeRecord, record_change
from glucolake.lake.raw import RawPartitionWriter
from glucolake.settings import S3Settings
from glucolake.simulate import SimulatorConfig, SimulatorServer

pytestmark = pytest.mark.slow

NOW = datetime.now(UTC).replace(microsecond=0)


def glucolake(*args, env, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "glucolake", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr[-4000:]
    return result


@pytest.fixture
def env(tmp_path):
    return home_environment(tmp_path)


def ingest(tmp_path, env, **config):
    with SimulatorServer(SimulatorConfig(now=NOW.isoformat(), **config)) as sim:
        cohort = tmp_path / "sources.yaml"
        cohort.write_text(
            yaml.safe_dump({"sources": [{"id": s, "url": sim.url_for(s)} for s in sim.source_ids]})
        )
        glucolake("ingest", "--sources", str(cohort), env=env)


def digest(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))
    }


def latest_report(tmp_path):
    reports = sorted((tmp_path / "lake/quality/runs").glob("*.json"))
    return json.loads(reports[-1].read_text())


def test_quirky_but_trustworthy_data_passes_the_gate(tmp_path, env):
    ingest(tmp_path, env, sources=3, days=6, seed=4, quirks=True, fault_rate=0.0)
    glucolake("transform", "--stage", "intermediate", env=env)
    result = glucolake("validate", env=env)
    report = latest_report(tmp_path)
    assert report["passed"]
    assert report["critical_failed"] == 0
    assert report["expectations"] >= 20
    assert "glucolake: error" not in result.stderr


def test_a_broken_uploader_fails_the_gate_and_nothing_downstream_changes(tmp_path, env):
    ingest(tmp_path, env, sources=2, days=4, seed=6)
    for step in (
        "transform --stage intermediate",
        "validate",
        "transform --stage curated",
        "publish",
    ):
        glucolake(*step.split(), env=env)
    curated_before = digest(tmp_path / "lake/curated")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        marts_before = connection.execute(
            "select * from marts.mart_glucose_summary order by all"
        ).fetchall()

    # A broken uploader: 2,000 distinct readings in one UTC day for one source.
    lake = Lake.open(str(tmp_path / "lake"), S3Settings())
    start_ms = int(NOW.replace(hour=0, minute=0, second=0).timestamp() * 1000) - 86_400_000
    # As ingest does: say which days change before writing them.
    record_change(
        lake,
        ChangeRecord(
            batch_id="broken",
            source_id="patient-001",
            collection="entries",
            from_day=(NOW - timedelta(days=1)).date().isoformat(),
        ),
    )
    writer = RawPartitionWriter(
        lake, collection="entries", source_id="patient-001", batch_id="broken"
    )
    writer.add(
        [
            {"_id": f"b{i:023x}", "date": start_ms + i * 40_000, "sgv": 120, "type": "sgv"}
            for i in range(2000)
        ],
        fetched_at=NOW,
    )
    writer.close()

    glucolake("transform", "--stage", "intermediate", env=env)
    failed = glucolake("validate", env=env, check=False)
    assert failed.returncode == 1
    errors = [line for line in failed.stderr.splitlines() if line.startswith("glucolake: error")]
    assert errors
    assert all(line.startswith("glucolake: error: validate: ") for line in errors)
    assert any(
        "int_glucose_enriched__per_source_day" in line and "n_readings" in line for line in errors
    )
    assert not latest_report(tmp_path)["passed"]
    # The pipeline stops here: the published layers are exactly as they were.
    assert digest(tmp_path / "lake/curated") == curated_before
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        assert (
            connection.execute("select * from marts.mart_glucose_summary order by all").fetchall()
            == marts_before
        )
