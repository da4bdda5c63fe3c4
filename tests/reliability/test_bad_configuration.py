"""Bad configuration: one clear line naming what is wrong and where, a non-zero exit, no write."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from tests.helpers import home_environment

from glucolake.simulate import SimulatorConfig, SimulatorServer

pytestmark = pytest.mark.slow


def glucolake(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "glucolake", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def env(tmp_path):
    return home_environment(tmp_path)


def errors(result):
    return [line for line in result.stderr.splitlines() if line.startswith("glucolake: error")]


def test_a_wrong_site_url_names_the_source(tmp_path, env):
    with SimulatorServer(SimulatorConfig(sources=1, days=1)) as sim:
        wrong = sim.url_for(sim.source_ids[0]).replace("patient-001", "no-such-site")
        path = tmp_path / "sources.yaml"
        path.write_text(yaml.safe_dump({"sources": [{"id": "alice", "url": wrong}]}))
        result = glucolake("ingest", "--sources", str(path), env=env)
    assert result.returncode == 1
    assert errors(result) == ["glucolake: error: source alice: GET profile.json answered HTTP 404"]
    assert not list((tmp_path / "lake").rglob("*.parquet")), "nothing was written"


def test_an_unknown_time_zone_stops_before_anything_runs(tmp_path, env):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - id: bob\n    url: https://bob.example.org\n    timezone: CET+1\n"
    )
    result = glucolake("ingest", "--sources", str(path), env=env)
    assert result.returncode == 2
    expected = (
        f"glucolake: error: sources file {path}, source 'bob': unknown time zone 'CET+1' "
        "(expected an IANA name such as Europe/Berlin)"
    )
    assert errors(result) == [expected]
    assert not (tmp_path / "lake").exists()


def test_an_unreachable_postgres_is_one_line_without_the_password(env):
    env = {**env, "GLUCOLAKE_WAREHOUSE": "postgresql://glucolake:pw-1234567890@127.0.0.1:9/db"}
    result = glucolake("publish", env=env)
    assert result.returncode == 1
    (line,) = errors(result)
    assert line.startswith(
        "glucolake: error: publish: warehouse postgresql://glucolake@127.0.0.1:9/db: cannot connect"
    )
    assert "pw-1234567890" not in result.stderr + result.stdout


def test_a_malformed_warehouse_url_is_a_configuration_error(env):
    env = {**env, "GLUCOLAKE_WAREHOUSE": "postgresql://127.0.0.1/db"}
    result = glucolake("publish", env=env)
    assert result.returncode == 2
    expected = (
        "glucolake: error: GLUCOLAKE_WAREHOUSE: 'postgresql://127.0.0.1/db' needs a user, a host "
        "and a database (postgresql://user:password@host:5432/dbname)"
    )
    assert errors(result) == [expected]
