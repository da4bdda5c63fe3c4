"""The same (seed, source, UTC day) always yields the same documents, ids included."""

import json

import pytest

from glucolake.simulate import SimulatorConfig
from glucolake.simulate.app import Router
from glucolake.simulate.build import build_sites
from glucolake.simulate.config import Clock
from glucolake.simulate.faults import FaultPlan

DAY = "2025-03-20"
DAY_MS = 1_742_428_800_000
WINDOWS = {
    "entries": f"find[date][$gte]={DAY_MS}&find[date][$lt]={DAY_MS + 86_400_000}&count=0",
    "treatments": "find[created_at][$gte]=2025-03-20&find[created_at][$lt]=2025-03-21&count=0",
    "devicestatus": "find[created_at][$gte]=2025-03-20&find[created_at][$lt]=2025-03-21&count=0",
}


def served(config, source="patient-002"):
    clock = Clock(config.frozen_now)
    site = build_sites(config, clock)[source]
    router = Router(clock, FaultPlan(config.seed, 0.0, ()))
    return {
        collection: json.loads(router.handle(site, f"/api/v1/{collection}.json", query, {}).body)
        for collection, query in WINDOWS.items()
    }


@pytest.mark.parametrize("quirks", [False, True])
def test_a_day_is_the_same_whatever_now_days_and_cohort_size(quirks):
    early = served(SimulatorConfig(sources=2, days=6, quirks=quirks, now="2025-03-21T06:00:00Z"))
    late = served(SimulatorConfig(sources=5, days=45, quirks=quirks, now="2025-04-30T23:59:00Z"))
    for collection in WINDOWS:
        assert early[collection], collection
        assert early[collection] == late[collection], collection


def test_a_restarted_simulator_serves_the_same_documents():
    config = SimulatorConfig(sources=2, days=3, quirks=True, now="2025-03-22T00:00:00Z")
    assert served(config) == served(config)


def test_the_first_reading_of_a_day_keeps_its_trend():
    # The day before is generated as context, so the first reading's trend does not depend on
    # whether that day is served.
    starting = served(SimulatorConfig(sources=2, days=0, now="2025-03-20T23:00:00Z"))
    inside = served(SimulatorConfig(sources=2, days=9, now="2025-03-20T23:00:00Z"))
    assert starting["entries"] == inside["entries"]


def test_another_seed_is_another_world():
    a = served(SimulatorConfig(sources=2, days=2, seed=1, now="2025-03-21T00:00:00Z"))
    b = served(SimulatorConfig(sources=2, days=2, seed=2, now="2025-03-21T00:00:00Z"))
    assert [d["sgv"] for d in a["entries"]] != [d["sgv"] for d in b["entries"]]
    assert {d["_id"] for d in a["entries"]}.isdisjoint(d["_id"] for d in b["entries"])
