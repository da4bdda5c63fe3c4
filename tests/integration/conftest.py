"""Real servers for integration tests: the Nightscout simulator over HTTP, and an S3 server."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml
from tests.helpers import home_environment, raw_rows

from glucolake.simulate import SimulatorConfig, SimulatorServer

FROZEN_NOW = "2026-11-01T12:00:00+00:00"


@pytest.fixture
def simulator():
    """Start simulators with the given config; all are stopped at teardown."""
    with ExitStack() as stack:

        def start(**config):
            config.setdefault("now", FROZEN_NOW)
            return stack.enter_context(SimulatorServer(SimulatorConfig(**config)))

        yield start


def sources_file(tmp_path: Path, sim, source_ids, **extra) -> Path:
    path = tmp_path / "sources.yaml"
    entries = [{"id": sid, "url": sim.url_for(sid), **extra} for sid in source_ids]
    path.write_text(yaml.safe_dump({"sources": entries}))
    return path


def run_cli(*args: str, home: Path, env: dict[str, str] | None = None, timeout: float = 300):
    """Run `glucolake` as a user would, in a child process with JSON logs."""
    return subprocess.run(
        [sys.executable, "-m", "glucolake", *args],
        env=home_environment(home, **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def log_events(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def raw_documents(lake_root: Path, collection: str) -> list[str]:
    """Every stored document of a collection, as JSON text (one entry per stored row)."""
    return [text for text, _, _ in raw_rows(lake_root / "raw" / "nightscout" / collection)]
