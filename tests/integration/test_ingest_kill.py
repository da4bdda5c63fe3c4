"""SIGKILL `glucolake ingest` at random moments and run it again: nothing lost, nothing twice."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pytest
from tests.helpers import home_environment

from .conftest import raw_documents, sources_file

pytestmark = pytest.mark.slow

COLLECTIONS = ("entries", "treatments", "devicestatus")


def start_ingest(path, home):
    env = home_environment(home)
    return subprocess.Popen(
        [sys.executable, "-m", "glucolake", "ingest", "--sources", str(path), "--concurrency", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_ingest_resumes_without_loss_or_double_storage(simulator, tmp_path, seed):
    sim = simulator(sources=3, days=30, seed=seed, quirks=True)
    (tmp_path / "cfg").mkdir()
    path = sources_file(tmp_path / "cfg", sim, sim.source_ids)
    home = tmp_path / "home"
    rng = random.Random(seed)
    for _ in range(2):
        process = start_ingest(path, home)
        time.sleep(rng.uniform(0.5, 4.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
    final = start_ingest(path, home)
    assert final.wait(timeout=600) == 0
    for collection in COLLECTIONS:
        stored = raw_documents(home / "lake", collection)
        assert len(stored) == len(set(stored)), f"{collection}: a document stored twice"
        expected = sum(sim.truth(sid)[collection]["documents"] for sid in sim.source_ids)
        assert len(stored) == expected, f"{collection}: documents lost"
    leftovers = [p for p in (home / "lake").rglob("*") if p.name.endswith(".tmp")]
    assert all(p.name.startswith(".") for p in leftovers), "temporary files stay hidden"
