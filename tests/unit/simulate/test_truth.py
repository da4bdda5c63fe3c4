"""The truth manifest equals what a brute-force scan of the served documents finds."""

import json
import math
from collections import Counter

import pytest

from glucolake.simulate import QUIRK_KINDS, SimulatorConfig
from glucolake.simulate.app import Router
from glucolake.simulate.build import build_sites
from glucolake.simulate.config import Clock
from glucolake.simulate.faults import FaultPlan

KNOWN = {"sgv", "mbg", "cal"}


def served(config, source="patient-001"):
    clock = Clock(config.frozen_now)
    site = build_sites(config, clock)[source]
    router = Router(clock, FaultPlan(1, 0.0, ()))

    def get(path, query):
        return json.loads(router.handle(site, path, query, {}).body)

    docs = {
        "entries": get("/api/v1/entries.json", "find[date][$gte]=0&count=0"),
        "treatments": get("/api/v1/treatments.json", "find[created_at][$gte]=0&count=0"),
        "devicestatus": get("/api/v1/devicestatus.json", "find[created_at][$gte]=0&count=0"),
    }
    return docs, site.truth(), clock.now_ms()


def scan_entries(docs, now_ms):
    quarantine = Counter()
    identities = Counter()
    for doc in docs:
        if doc.get("type") not in KNOWN:
            quarantine["unknown_type"] += 1
            continue
        date = doc["date"] * 1000 if doc["date"] < 1e11 else doc["date"]
        date = math.floor(date)
        if date > now_ms:
            quarantine["future_date"] += 1
            continue
        if doc["type"] == "sgv":
            if "sgv" not in doc:
                quarantine["missing_glucose"] += 1
                continue
            if float(doc["sgv"]) < 39:
                quarantine["sensor_error_code"] += 1
                continue
            assert 39 <= float(doc["sgv"]) <= 401
        identities[(doc["type"], date)] += 1
    valid = sum(1 for kind, _ in identities if kind == "sgv")
    return valid, dict(quarantine), sum(identities.values()) - len(identities)


@pytest.mark.parametrize("now", ["2025-03-25T08:00:00Z", "2025-03-26T23:10:00Z"])
def test_truth_matches_a_brute_force_scan(now):
    config = SimulatorConfig(sources=1, days=15, seed=3, quirks=True, quirk_scale=5, now=now)
    docs, truth, now_ms = served(config)
    entries = truth["entries"]
    valid, quarantine, duplicates = scan_entries(docs["entries"], now_ms)
    assert entries["documents"] == len(docs["entries"])
    assert entries["valid_sgv_readings"] == valid
    assert {k: v for k, v in entries["quarantine"].items() if v} == quarantine
    assert entries["duplicates"] == duplicates
    treatment_keys = Counter((d["created_at"], d["eventType"]) for d in docs["treatments"])
    assert truth["treatments"]["documents"] == len(docs["treatments"])
    assert truth["treatments"]["duplicates"] == sum(treatment_keys.values()) - len(treatment_keys)
    assert truth["devicestatus"]["documents"] == len(docs["devicestatus"])
    assert truth["profile"]["documents"] == 1


def test_every_quirk_kind_is_served_and_counted():
    config = SimulatorConfig(
        sources=1, days=15, seed=3, quirks=True, quirk_scale=5, now="2025-03-25T08:00:00Z"
    )
    docs, truth, now_ms = served(config)
    counts = truth["entries"]["quirks"] | truth["treatments"]["quirks"]
    assert set(counts) == set(QUIRK_KINDS)
    assert all(counts[kind] > 0 for kind in QUIRK_KINDS), counts
    entries = docs["entries"]
    every_id = [d["_id"] for collection in docs.values() for d in collection]
    assert len(set(every_id)) == len(every_id), "ObjectIds are unique"
    assert sum(isinstance(d.get("sgv"), str) for d in entries) == counts["string_sgv"]
    assert sum(d["date"] < 1e11 for d in entries) == counts["seconds_date"]
    assert sum(d["date"] != int(d["date"]) for d in entries) == counts["fractional_date"]
    assert sum(d.get("type") == "carelink_raw" for d in entries) == counts["unknown_type"]
    assert sum(d.get("type") == "mbg" for d in entries) == counts["mbg"]
    assert sum(d.get("type") == "cal" for d in entries) == counts["cal"]
    assert sum(d.get("sgv") in {39, 401} for d in entries) >= counts["low_high_sentinel"]
    assert sum(d["date"] > now_ms for d in entries) == truth["entries"]["quarantine"]["future_date"]
    errors = [d for d in entries if isinstance(d.get("sgv"), int) and d["sgv"] < 39]
    assert len(errors) == counts["sensor_error_code"]
    assert all(d["direction"] == "NOT COMPUTABLE" for d in errors)


def test_late_uploads_appear_hours_after_their_date():
    base = {"sources": 1, "days": 15, "seed": 3, "quirks": True, "quirk_scale": 5}
    before, _, _ = served(SimulatorConfig(**base, now="2025-03-25T08:00:00Z"))
    after, truth, _ = served(SimulatorConfig(**base, now="2025-03-25T16:00:00Z"))
    old = {d["_id"] for d in before["entries"]}
    backfilled = [
        d for d in after["entries"] if d["_id"] not in old and d["date"] < 1_742_889_600_000
    ]
    assert backfilled, "readings dated before the first look arrived after it"
    assert truth["entries"]["quirks"]["late_upload"] > 0


def test_without_quirks_the_truth_is_clean():
    config = SimulatorConfig(sources=1, days=3, now="2025-03-25T08:00:00Z")
    docs, truth, _ = served(config)
    assert set(truth["entries"]["quirks"].values()) == {0}
    assert set(truth["entries"]["quarantine"].values()) == {0}
    assert truth["entries"]["duplicates"] == 0
    assert truth["entries"]["valid_sgv_readings"] == len(docs["entries"])
