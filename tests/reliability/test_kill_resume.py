"""SIGKILL each step of the pipeline at a random moment, run again: the marts come out the same."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from tests.helpers import assert_same, glucolake, home_environment, warehouse_tables

from glucolake.simulate import SimulatorConfig, SimulatorServer, write_sources_file

pytestmark = pytest.mark.slow

STEPS = (
    ["transform", "--stage", "intermediate"],
    ["validate"],
    ["transform", "--stage", "curated"],
    ["publish"],
)


@pytest.mark.parametrize("seed", [7])
def test_killed_steps_resume_to_the_same_marts(tmp_path, seed):
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    with SimulatorServer(SimulatorConfig(sources=2, days=4, seed=seed, now=now)) as sim:
        cohort = tmp_path / "sources.yaml"
        write_sources_file(sim, cohort)
        clean, killed = tmp_path / "clean", tmp_path / "killed"
        envs = {home: home_environment(home) for home in (clean, killed)}
        glucolake("run", "--sources", str(cohort), env=envs[clean])
        expected = warehouse_tables(clean)

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
            assert_same(warehouse_tables(killed), expected, after=" ".join(step))
