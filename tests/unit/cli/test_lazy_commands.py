"""A step imports only its own subcommand: dbt, Great Expectations and the others stay unloaded."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from glucolake.cli import COMMANDS, main

HEAVY = ("dbt", "great_expectations", "plotly", "pandas")


def imported_after(command: str, modules: tuple[str, ...] = HEAVY) -> set[str]:
    """Those of ``modules`` that resolving ``command`` imports, in a fresh interpreter (this one
    has imported everything already)."""
    code = (
        "import json, sys\n"
        "from glucolake.cli import main\n"
        f"main.get_command(None, {command!r})\n"
        f"print(json.dumps([m for m in {list(modules)!r} if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(result.stdout))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_subcommand_resolves(name):
    command = main.get_command(click.Context(main), name)
    assert isinstance(command, click.Command)
    assert command.name == name


def test_help_lists_every_subcommand():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in result.output


def test_unknown_subcommand_is_a_usage_error():
    result = CliRunner().invoke(main, ["nonsense"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_sources_imports_nothing_heavy():
    assert imported_after("sources") == set()


def test_transform_leaves_dbt_to_the_build_and_skips_great_expectations():
    assert not imported_after("transform") & {"dbt", "great_expectations"}


def test_validate_leaves_great_expectations_to_the_gate():
    assert not imported_after("validate") & {"dbt", "great_expectations"}


@pytest.mark.parametrize("name", ["ingest", "validate", "report", "run"])
def test_steps_that_run_no_dbt_leave_its_lineage_integration_unloaded(name):
    assert not imported_after(name, ("openlineage.common", "glucolake.transform"))


def test_the_runner_loads_no_engine_before_its_fork_server_starts():
    # OpenLineage too: the runner's lineage waits until the server is starting.
    assert imported_after("run", ("duckdb", "pyarrow", "numpy", "openlineage")) == set()
