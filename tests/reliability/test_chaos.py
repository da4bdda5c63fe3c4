"""Chaos: every bad-record kind and every HTTP fault at once, and the lake still equals the truth.

`glucolake run` (ingest, transform, quality gate, curate, publish) against simulated sites that
hold every quirk kind and fail 30 % of requests with every fault kind: the run must succeed, and
the curated readings and the quarantine must be exactly what the simulator says they should be.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

import duckdb
import pytest
from tests.helpers import home_environment

from glucolake.simulate import FAULT_KINDS, SimulatorConfig, SimulatorServer, write_sources_file
from glucolake.simulate.quirk_kinds import REGISTRY

pytestmark = pytest.mark.slow

ENTRY_KINDS = [kind.name for kind in REGISTRY if kind.collection == "entries"]


@pytest.fixture
def env(tmp_path):
    return home_environment(tmp_path)


def lake_counts(tmp_path, sql):
    with duckdb.connect() as connection:
        return connection.execute(sql.replace("$LAKE", str(tmp_path / "lake"))).fetchall()


def test_every_quirk_and_fault_at_once_and_the_lake_equals_the_truth(tmp_path, env):
    # Future dates are judged against the fetch time: the frozen clock is the real time.
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    config = SimulatorConfig(
        sources=3,
        days=6,
        # The first page of each collection is asked with the same query whatever the clock
        # says, so its faults are fixed by the seed: with 53, every source meets some and the
        # cohort meets every kind.
        seed=53,
        quirks=True,
        # Four times the usual rates: every kind shows up in six days, whatever today is.
        quirk_scale=4,
        fault_rate=0.3,
        now=now,
    )
    assert config.fault_kinds == FAULT_KINDS, "every fault kind is on"
    with SimulatorServer(config) as sim:
        sources = tmp_path / "sources.yaml"
        write_sources_file(sim, sources)
        result = subprocess.run(
            [sys.executable, "-m", "glucolake", "run", "--sources", str(sources)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        truth = {s: sim.truth(s) for s in sim.source_ids}
        faults = {s: sim.stats(s)["faults"] for s in sim.source_ids}
    assert result.returncode == 0, result.stderr[-4000:]

    for source_id, source_faults in faults.items():
        assert sum(source_faults.values()) > 0, source_id
    served_faults = Counter[str]()
    for source_faults in faults.values():
        served_faults.update(source_faults)
    assert set(served_faults) == set(FAULT_KINDS), served_faults

    quirks = Counter[str]()
    for facts in truth.values():
        quirks.update(facts["entries"]["quirks"])
    assert all(quirks[kind] > 0 for kind in ENTRY_KINDS), quirks

    readings = dict(
        lake_counts(
            tmp_path,
            "select source_id, count(*) from '$LAKE/curated/fact_glucose_readings/*/*/*.parquet' "
            "group by all",
        )
    )
    quarantined = lake_counts(
        tmp_path,
        "select source_id, quarantine_reason, count(*) "
        "from '$LAKE/staging/stg_nightscout__entries_quarantine.parquet' group by all",
    )
    for source_id, facts in truth.items():
        assert readings[source_id] == facts["entries"]["valid_sgv_readings"], source_id
        mine = {reason: n for sid, reason, n in quarantined if sid == source_id}
        expected = {k: v for k, v in facts["entries"]["quarantine"].items() if v}
        assert mine == expected, source_id
