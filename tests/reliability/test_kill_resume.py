"""SIGKILL each step of the pipeline at a random moment, run again: the marts come out the same."""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import duckdb
import pytest

from glucolake.simulate import SimulatorConfig, SimulatorServer, write_sources_file

pytestmark = pytest.mark.slow

MARTS = (
    "mart_glucose_summary",
    "mart_glucose_overview",
    "mart_glucose_agp",
    "mart_glucose_hourly_patterns",
    "mart_glucose_daily_profiles",
)
STEPS = (
    ["transform", "--stage", "intermediate"],
    ["validate"],
    ["transform", "--stage", "curated"],
    ["publish"],
)


def glucolake(*args, env, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "glucolake", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def marts(home):
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as connection:
        return {
            mart: connection.execute(f"select * from marts.{mart} order by all").fetchall()  # noqa: S608
            for mart in MARTS
        }


def assert_same(got, expected, *, after):
    """Equal row for row; floats to 1e-12 relative, since DuckDB's parallel sums may order
    their additions differently from one run to the next (the last bit, not the data)."""
    for mart, rows in expected.items():
        assert len(got[mart]) == len(rows), (after, mart)
        for mine, theirs in zip(got[mart], rows, strict=True):
            for a, b in zip(mine, theirs, strict=True):
                if isinstance(b, float) and isinstance(a, float):
                    assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (after, mart, mine)
                else:
                    assert a == b, (after, mart, mine, theirs)


@pytest.mark.parametrize("seed", [7])
def test_killed_steps_resume_to_the_same_marts(tmp_path, seed):
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    with SimulatorServer(SimulatorConfig(sources=2, days=4, seed=seed, now=now)) as sim:
        cohort = tmp_path / "sources.yaml"
        write_sources_file(sim, cohort)
        clean, killed = tmp_path / "clean", tmp_path / "killed"
        envs = {
            home: {"PATH": os.environ["PATH"], "HOME": str(home), "GLUCOLAKE_HOME": str(home)}
            for home in (clean, killed)
        }
        glucolake("run", "--sources", str(cohort), env=envs[clean])
        expected = marts(clean)

        glucolake("run", "--sources", str(cohort), env=envs[killed])
        for step in STEPS:
            process = subprocess.Popen(
                [sys.executable, "-m", "glucolake", *step],
                env=envs[killed],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.5, 4.0))
            process.send_signal(signal.SIGKILL)
            process.wait()
            glucolake("run", "--sources", str(cohort), env=envs[killed])
            assert_same(marts(killed), expected, after=" ".join(step))
