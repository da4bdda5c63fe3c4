"""The warehouse role dashboards use reads the marts and nothing else (a real Postgres)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import psycopg
import pytest

from glucolake.simulate import SimulatorConfig, SimulatorServer, write_sources_file

pytestmark = pytest.mark.slow


def test_dashboard_role_reads_marts_only(tmp_path, postgres_database):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "GLUCOLAKE_HOME": str(tmp_path),
        "GLUCOLAKE_WAREHOUSE": postgres_database,
    }
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    with SimulatorServer(SimulatorConfig(sources=1, days=2, seed=2, now=now)) as sim:
        cohort = tmp_path / "sources.yaml"
        write_sources_file(sim, cohort)
        result = subprocess.run(
            [sys.executable, "-m", "glucolake", "run", "--sources", str(cohort)],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-3000:]

    # What the chart does for Superset: a login role in the dashboards' group.
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        admin.execute("drop role if exists superset_reader")
        admin.execute(
            "create role superset_reader login password 'reader-pw' in role glucolake_dashboards"
        )
    host = postgres_database.split("@")[1]
    reader = f"postgresql://superset_reader:reader-pw@{host}"
    with psycopg.connect(reader, autocommit=True) as connection:
        rows = connection.execute("select count(*) from marts.mart_glucose_summary").fetchone()
        assert rows[0] > 0
        for statement in (
            "select count(*) from curated.fact_glucose_readings",
            "create table marts.intruder (x int)",
            "delete from marts.mart_glucose_summary",
            "create table public.intruder (x int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(statement)
