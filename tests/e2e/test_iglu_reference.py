"""The iglu reference subjects, served by the simulator, through the real pipeline.

Ingest → transform → publish, as a user runs them, then `mart_glucose_summary` for the window
`all` must equal iglu 4.3.0's values for every subject and every column, to a relative 1e-9.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import duckdb
import psycopg
import pytest
import yaml
from tests.helpers import home_environment

from glucolake.simulate import SimulatorConfig, SimulatorServer

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parents[1] / "fixtures" / "iglu"
TIMEZONE = "Etc/GMT+5"  # the data's wall clock is a fixed UTC−05:00


def reference() -> dict[str, dict[str, float]]:
    with (FIXTURES / "iglu_reference_metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["id"].lower().replace(" ", "-"): {
            k: float(v) for k, v in row.items() if k not in {"dataset", "id", "active_ndays"}
        }
        for row in rows
    }


def glucolake(*args: str, env: dict[str, str]) -> str:
    """Run a step; its JSON log lines."""
    result = subprocess.run(
        [sys.executable, "-m", "glucolake", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stderr


def run_pipeline(tmp_path: Path, warehouse: str | None) -> None:
    config = SimulatorConfig(
        csv_path=FIXTURES / "iglu_example_data_5_subject.csv",
        csv_timezone=TIMEZONE,
        now="2026-11-01T12:00:00+00:00",
    )
    with SimulatorServer(config) as sim:
        cohort = tmp_path / "sources.yaml"
        cohort.write_text(
            yaml.safe_dump(
                {
                    "sources": [
                        {"id": s, "url": sim.url_for(s), "timezone": TIMEZONE}
                        for s in sim.source_ids
                    ]
                }
            )
        )
        env = home_environment(tmp_path)
        if warehouse:
            env["GLUCOLAKE_WAREHOUSE"] = warehouse
        glucolake("ingest", "--sources", str(cohort), env=env)
    # The subjects' older months are compacted (lake/compaction.py): the metrics below are
    # computed through month files and day files alike.
    assert list((tmp_path / "lake/raw/nightscout/entries").glob("source=*/month=*/*.parquet"))
    # CI's run of dbt's unit tests, which pipeline builds leave out: the lake's models, then
    # the marts of each warehouse.
    for step in ("transform", "publish"):
        log = glucolake(step, "--unit-tests", "--json-logs", env=env)
        finished = [json.loads(line) for line in log.splitlines() if '"dbt_finished"' in line]
        assert finished, log[-2000:]
        assert all(event["unit_tests"] > 0 for event in finished), finished


def assert_matches_iglu(rows: list[dict]) -> None:
    expected = reference()
    assert {r["source_id"] for r in rows} == set(expected)
    for row in rows:
        for column, want in expected[row["source_id"]].items():
            got = row[column]
            assert got is not None, (row["source_id"], column)
            assert math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-9), (
                row["source_id"],
                column,
                got,
                want,
            )


def test_summary_equals_iglu_in_the_duckdb_warehouse(tmp_path):
    run_pipeline(tmp_path, warehouse=None)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        cursor = connection.execute(
            "select * from marts.mart_glucose_summary where \"window\" = 'all'"
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    assert_matches_iglu(rows)


def test_summary_equals_iglu_in_the_postgres_warehouse(tmp_path, postgres_database):
    run_pipeline(tmp_path, warehouse=postgres_database)
    with psycopg.connect(postgres_database) as connection:
        cursor = connection.execute(
            'select * from marts.mart_glucose_summary where "window" = %s', ("all",)
        )
        names = [d.name for d in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    assert_matches_iglu(rows)
