"""dbt's parse is kept in the lake, so a step in a pod's empty home does not parse it again."""

from __future__ import annotations

import shutil

import pytest
from tests.helpers import glucolake, home_environment

from glucolake.simulate import SimulatorConfig, SimulatorServer, write_sources_file
from glucolake.transform.dbt import PARSE_CACHE

pytestmark = pytest.mark.slow

WHOLE_PARSE = "Unable to do partial parsing"


def test_a_step_in_an_emptied_home_reuses_the_parse_the_last_step_kept(tmp_path):
    scratch = tmp_path / "scratch"  # what a pod's home is: the same path, empty every time
    env = home_environment(
        scratch,
        GLUCOLAKE_LAKE=str(tmp_path / "lake"),
        GLUCOLAKE_WAREHOUSE=str(tmp_path / "warehouse.duckdb"),
    )

    def in_a_new_pod(*args: str) -> str:
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        glucolake(*args, env=env)
        return (scratch / "dbt" / "logs" / "dbt.log").read_text()

    cohort = tmp_path / "sources.yaml"
    with SimulatorServer(SimulatorConfig(sources=1, days=2, seed=4)) as sim:
        write_sources_file(sim, cohort)
        glucolake("ingest", "--sources", str(cohort), env=env)

    full = ("--full-refresh", "true")
    assert WHOLE_PARSE in in_a_new_pod("transform", "--stage", "intermediate", *full)
    assert (tmp_path / "lake" / PARSE_CACHE / "lake-full.msgpack").is_file()
    assert WHOLE_PARSE not in in_a_new_pod("transform", "--stage", "intermediate", *full)
    glucolake("validate", env=env)
    assert WHOLE_PARSE not in in_a_new_pod("transform", "--stage", "curated", *full)
    # The warehouse side keeps its own parse.
    assert WHOLE_PARSE in in_a_new_pod("publish")
    assert WHOLE_PARSE not in in_a_new_pod("publish")
