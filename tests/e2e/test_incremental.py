"""An incremental refresh ends exactly where a full build from the same raw zone ends."""

from __future__ import annotations

import json
import os

import pytest
from tests.helpers import MARTS, assert_same, run_pipeline, warehouse_tables

pytestmark = pytest.mark.slow

# The refresh crosses UTC midnight, so it rewrites yesterday and today, and a local day that
# spans both (Europe and America/… time zones in the simulated cohort).
# History starts on 2026-06-04 in both (days of history before the simulated today).
FIRST_RUN = ("2026-06-10T22:40:00+00:00", 6)
REFRESH = ("2026-06-11T01:25:00+00:00", 7)
CURATED = ("fact_glucose_readings", "fact_treatments", "dim_glucose_date", "glucose_window_metrics")


def run_at(moment, home):
    now, days = moment
    home.mkdir(exist_ok=True)
    run_pipeline(home, environment(home), sources=2, days=days, seed=11, now=now)


def environment(home):
    return {"PATH": os.environ["PATH"], "HOME": str(home), "GLUCOLAKE_HOME": str(home)}


def transform_scopes(home):
    """The scope each transform of a home logged (JSON log lines in the task logs)."""
    return [
        json.loads(line)
        for log in sorted((home / "runs").rglob("*.log"))
        for line in log.read_text().splitlines()
        if '"transform_scope"' in line
    ]


def test_refresh_equals_full_build(tmp_path):
    refreshed, rebuilt = tmp_path / "refreshed", tmp_path / "rebuilt"
    run_at(FIRST_RUN, refreshed)
    run_at(REFRESH, refreshed)
    run_at(REFRESH, rebuilt)

    assert_same(warehouse_tables(refreshed), warehouse_tables(rebuilt), after="refresh")
    assert_same(
        warehouse_tables(refreshed, CURATED, schema="curated"),
        warehouse_tables(rebuilt, CURATED, schema="curated"),
        after="refresh (curated)",
    )
    # The refresh really was incremental, and left no change unpublished.
    assert [s["full"] for s in transform_scopes(refreshed)][-1] is False
    assert not list((refreshed / "lake" / "state" / "changes" / "pending").glob("*.json"))
    assert not list((refreshed / "lake" / "state" / "changes" / "built").glob("*.json"))
    assert set(MARTS) <= set(warehouse_tables(refreshed))
