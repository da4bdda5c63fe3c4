"""`glucolake run`: the rendered Argo DAG walked on one machine, as a user runs it."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import duckdb
import pytest
from tests.helpers import children_of, home_environment

from glucolake.simulate import SimulatorConfig, SimulatorServer, write_sources_file

pytestmark = pytest.mark.slow


def glucolake_run(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "glucolake", "run", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture
def env(tmp_path):
    return home_environment(tmp_path)


@pytest.fixture
def cohort(tmp_path):
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    with SimulatorServer(SimulatorConfig(sources=2, days=5, seed=12, now=now)) as sim:
        path = tmp_path / "sources.yaml"
        write_sources_file(sim, path)
        yield path


def test_the_whole_dag_runs_locally_then_again_incrementally(tmp_path, env, cohort):
    first = glucolake_run("--sources", str(cohort), env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    (run_dir,) = (tmp_path / "runs").iterdir()
    logs = {p.name for p in run_dir.glob("*.log")}
    assert {
        "plan.log",
        "ingest(0:patient-001).log",
        "ingest(1:patient-002).log",
        "transform-intermediate.log",
        "validate.log",
        "transform-curated.log",
        "publish.log",
    } <= logs
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        rows = connection.execute(
            "select count(*) from marts.mart_glucose_summary where \"window\" = 'all'"
        ).fetchone()
    assert rows == (2,)
    # Every task started as a fork of the fork server, none as a plain subprocess.
    events = [json.loads(line) for line in first.stderr.splitlines() if line.startswith("{")]
    tasks = [e for e in events if e["event"] == "task_finished"]
    (finished,) = [e for e in events if e["event"] == "fork_server_finished"]
    assert finished["forked"] == len(tasks) >= 8
    assert not [e for e in events if e["event"] == "fork_server_unused"]

    # The same DAG with plain subprocesses only, incrementally.
    second = glucolake_run("--sources", str(cohort), "--no-fork-server", env=env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "fork_server" not in second.stderr
    assert len(list((tmp_path / "runs").iterdir())) == 2


def test_a_second_run_on_the_same_home_refuses_clearly(tmp_path, env, cohort):
    with (tmp_path / "run.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = glucolake_run("--sources", str(cohort), env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"glucolake: error: run: another glucolake run is using {tmp_path}; wait for it to finish"
    )
    assert not (tmp_path / "lake").exists(), "nothing ran"


def test_every_runs_the_dag_again_from_the_same_fork_server(tmp_path, env, cohort):
    """`--every` keeps one process and its fork server between runs; each run's tasks still
    get their own run id (their lineage hangs under their own pipeline run)."""
    result = glucolake_run("--sources", str(cohort), "--every", "1s", "--times", "2", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(list((tmp_path / "runs").iterdir())) == 2
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    runs = [e for e in events if e["event"] == "run_finished"]
    assert [r["succeeded"] for r in runs] == [True, True]
    tasks = [e for e in events if e["event"] == "task_finished"]
    (finished,) = [e for e in events if e["event"] == "fork_server_finished"]
    assert finished["forked"] == len(tasks) >= 16
    assert not [e for e in events if e["event"] == "fork_server_unused"]

    lineage = [json.loads(line) for line in (tmp_path / "lineage.jsonl").read_text().splitlines()]
    pipelines = {
        e["run"]["runId"]
        for e in lineage
        if e["job"]["name"] == "glucolake-pipeline" and e["eventType"] == "COMPLETE"
    }
    assert len(pipelines) == 2
    published = [
        e["run"]["facets"]["parent"]["run"]["runId"]
        for e in lineage
        if e["job"]["name"] == "glucolake.publish" and e["eventType"] == "COMPLETE"
    ]
    assert sorted(published) == sorted(pipelines), "each run published under its own run id"


def test_every_replaces_a_fork_server_that_ended(env, cohort):
    """The OOM killer picks the largest process: a loop must not run on without its server."""
    schedule = ["--every", "1s", "--times", "2"]
    runner = subprocess.Popen(
        [sys.executable, "-m", "glucolake", "run", "--sources", str(cohort), *schedule],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while (
        not (servers := children_of(runner.pid, running=b"glucolake.run.forkserver"))
        and time.monotonic() < deadline
    ):
        time.sleep(0.01)
    assert servers, "the first run started no fork server"
    os.kill(servers[0], signal.SIGKILL)
    _, stderr = runner.communicate(timeout=900)
    events = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    runs = [e for e in events if e["event"] == "run_finished"]
    assert len(runs) == 2
    assert runs[1]["succeeded"], stderr[-3000:]
    # The first run went on without a server (its task under way, if any, counts as failed);
    # the second forked every task from a new one.
    finished = [e["forked"] for e in events if e["event"] == "fork_server_finished"]
    second_run_tasks = [e for e in events if e["event"] == "task_finished"][-8:]
    assert len(finished) == 2
    assert max(finished) == len(second_run_tasks) == 8
