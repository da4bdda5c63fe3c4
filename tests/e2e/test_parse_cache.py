"""dbt's parse is kept in the lake, so a step in a pod's empty home does not parse it again."""

from __future__ import annotations

import shutil
import subprocess
import sys

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
    assert (tmp_path / "lake" / PARSE_CACHE / "lake.msgpack").is_file()
    assert WHOLE_PARSE not in in_a_new_pod("transform", "--stage", "intermediate", *full)
    glucolake("validate", env=env)
    assert WHOLE_PARSE not in in_a_new_pod("transform", "--stage", "curated", *full)
    # A refresh after a full build reuses its parse: whether a build is incremental is no var.
    refresh = ("--full-refresh", "false")
    assert WHOLE_PARSE not in in_a_new_pod("transform", "--stage", "intermediate", *refresh)
    assert WHOLE_PARSE not in in_a_new_pod("transform", "--stage", "curated", *refresh)
    # The warehouse side keeps its own parse.
    assert WHOLE_PARSE in in_a_new_pod("publish")
    assert WHOLE_PARSE not in in_a_new_pod("publish")


# Counts the serialisers mashumaro compiles while a dbt step runs in this process, after dbt's
# import and, with "warm", after the fork server's warm-up of dbt.
COMPILATIONS = """
import atexit, importlib, sys
from mashumaro.core.meta.code.builder import CodeBuilder
compiled = []
for name in ("add_unpack_method", "add_pack_method"):
    def counting(self, *args, _original=getattr(CodeBuilder, name), **kwargs):
        compiled.append(self.cls.__name__)
        return _original(self, *args, **kwargs)
    setattr(CodeBuilder, name, counting)
for module in ("dbt.cli.main", "dbt.task.build", "dbt.adapters.duckdb"):
    importlib.import_module(module)
if sys.argv[1] == "warm":
    from glucolake.run.warm import dbt_serialisers
    dbt_serialisers()
compiled.clear()
atexit.register(lambda: print("compiled", len(compiled)))
from glucolake.cli import command_line
command_line(sys.argv[2:])
"""


def test_the_fork_servers_warm_up_leaves_a_dbt_step_little_to_compile(tmp_path):
    env = home_environment(tmp_path)
    cohort = tmp_path / "sources.yaml"
    with SimulatorServer(SimulatorConfig(sources=1, days=2, seed=4)) as sim:
        write_sources_file(sim, cohort)
        glucolake("ingest", "--sources", str(cohort), env=env)
    step = ["transform", "--stage", "intermediate", "--full-refresh", "false"]
    glucolake(*step, env=env)  # leaves its parse, which every later run of it reuses

    def compilations(kind: str) -> int:
        result = subprocess.run(
            [sys.executable, "-c", COMPILATIONS, kind, *step],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return int(result.stdout.split("compiled ")[-1])

    cold, warm = compilations("cold"), compilations("warm")
    assert cold > 300, cold  # the manifest's classes, read and written (689)
    assert warm < cold / 3, (cold, warm)  # 151: the adapter's and run results' classes
