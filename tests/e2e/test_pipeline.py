"""The pipeline on simulated sites with every quirk: counts match what the simulator says."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
import yaml
from tests.helpers import home_environment

from glucolake.simulate import SimulatorConfig, SimulatorServer
from glucolake.warehouse import CURATED_TABLES

pytestmark = pytest.mark.slow


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
def home(tmp_path):
    return tmp_path


@pytest.fixture
def env(home):
    return home_environment(home)


def ingest_cohort(home, env, hours_ago=0, **config):
    # The simulator's frozen clock is the real time of this fetch, not of test collection:
    # future dates are judged against the moment of fetching, so the two clocks must agree as
    # they do for a real site (minutes apart, a future-dated quirk is counted on both sides).
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    with SimulatorServer(SimulatorConfig(now=now.isoformat(), **config)) as sim:
        cohort = home / "sources.yaml"
        cohort.write_text(
            yaml.safe_dump({"sources": [{"id": s, "url": sim.url_for(s)} for s in sim.source_ids]})
        )
        glucolake("ingest", "--sources", str(cohort), env=env)
        return {s: sim.truth(s) for s in sim.source_ids}


def unit_tests_run(log_lines):
    """The dbt unit tests each dbt command of a step's JSON log ran."""
    events = [json.loads(line) for line in log_lines.splitlines() if line.startswith("{")]
    return [e["unit_tests"] for e in events if e["event"] == "dbt_finished"]


def lake_query(home, sql):
    with duckdb.connect() as connection:
        return connection.execute(sql.replace("$LAKE", str(home / "lake"))).fetchall()


def test_quarantine_and_readings_equal_the_simulators_truth(home, env):
    truth = ingest_cohort(home, env, sources=3, days=10, seed=21, quirks=True, fault_rate=0.0)
    transformed = glucolake("transform", "--json-logs", env=env)
    # A pipeline build leaves dbt's unit tests out (they run in CI: test_iglu_reference.py).
    assert unit_tests_run(transformed.stderr) == [0]
    readings = dict(
        lake_query(
            home,
            "select source_id, count(*) from '$LAKE/curated/fact_glucose_readings/*/*/*.parquet' "
            "group by all",
        )
    )
    quarantined = lake_query(
        home,
        "select source_id, quarantine_reason, count(*) "
        "from '$LAKE/staging/stg_nightscout__entries_quarantine.parquet' group by all",
    )
    for source_id, facts in truth.items():
        assert readings[source_id] == facts["entries"]["valid_sgv_readings"], source_id
        mine = {reason: n for sid, reason, n in quarantined if sid == source_id}
        expected = {k: v for k, v in facts["entries"]["quarantine"].items() if v}
        assert mine == expected, source_id

    # The warehouse holds every curated reading too (rows with nulls included).
    glucolake("publish", env=env)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as connection:
        published = dict(
            connection.execute(
                "select source_id, count(*) from curated.fact_glucose_readings group by all"
            ).fetchall()
        )
    assert published == readings


def test_publish_failure_leaves_the_previous_marts_intact(home, env):
    ingest_cohort(home, env, sources=2, days=5, seed=3)
    glucolake("transform", env=env)
    glucolake("publish", env=env)
    warehouse = str(home / "warehouse.duckdb")
    with duckdb.connect(warehouse, read_only=True) as connection:
        before = connection.execute(
            "select * from marts.mart_glucose_summary order by all"
        ).fetchall()
    # A curated file the load cannot read: the transaction must roll back everything.
    (home / "lake/curated/fact_treatments.parquet").write_bytes(b"not parquet")
    failed = glucolake("publish", env=env, check=False)
    assert failed.returncode == 1
    assert failed.stderr.startswith("glucolake: error: publish: warehouse ")
    assert "load failed, nothing changed" in failed.stderr
    with duckdb.connect(warehouse, read_only=True) as connection:
        after = connection.execute(
            "select * from marts.mart_glucose_summary order by all"
        ).fetchall()
        tables = connection.execute(
            "select count(*) from information_schema.tables where table_schema = 'curated'"
        ).fetchone()
    assert after == before
    assert tables == (len(CURATED_TABLES),)


def test_lake_on_s3_through_the_whole_pipeline(home, env, s3_server):
    s3_env, _ = s3_server
    env = {**env, **s3_env, "GLUCOLAKE_LAKE": "s3://lake/e2e"}
    ingest_cohort(home, env, hours_ago=3, sources=2, days=4, seed=9)
    glucolake("transform", env=env)
    glucolake("publish", env=env)
    built = summary_readings(home)
    assert len(built) == 2
    assert all(n > 1000 for _, n, _ in built)

    # Three hours later, a refresh: it reads the partitions it rewrites by name, on S3 too.
    ingest_cohort(home, env, sources=2, days=4, seed=9)
    refresh = glucolake("transform", "--json-logs", env=env)
    assert '"full": false' in refresh.stderr
    glucolake("publish", env=env)
    refreshed = summary_readings(home)
    assert all(n > m for (_, n, _), (_, m, _) in zip(refreshed, built, strict=True))
    glucolake("transform", "--full-refresh", "true", env=env)
    glucolake("publish", env=env)
    assert summary_readings(home) == refreshed, "the refresh lost or doubled readings"
    assert not (home / "lake").exists(), "nothing was written to a local folder lake"


def summary_readings(home):
    """Per source: the readings its summary counts (from the lake) and the warehouse holds."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as connection:
        return connection.execute(
            "select source_id, n_readings, count(*) "
            "from marts.mart_glucose_summary join curated.fact_glucose_readings using (source_id) "
            "where \"window\" = 'all' group by all order by source_id"
        ).fetchall()


def test_dbt_docs_generate_works(home, env):
    ingest_cohort(home, env, sources=1, days=2, seed=1)
    glucolake("transform", env=env)
    glucolake("publish", env=env)
    result = glucolake("docs", env=env)
    assert (home / "dbt/target/catalog.json").is_file(), result.stderr
