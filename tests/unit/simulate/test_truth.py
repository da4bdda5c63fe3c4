"""The truth manifest equals what a brute-force scan of the served documents finds."""

import json
import math
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from glucolake.simulate import QUIRK_KINDS, SimulatorConfig
from glucolake.simulate.app import Router
from glucolake.simulate.build import build_sites
from glucolake.simulate.config import Clock
from glucolake.simulate.faults import FaultPlan
from glucolake.simulate.truth import FUTURE_TOLERANCE_MS

KNOWN = {"sgv", "mbg", "cal"}
FIRST_2000_MS = 946_684_800_000
MISSING_TYPE = object()


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


def glucose(value):
    """A JSON glucose value as staging casts it: a number, or None when there is none."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if value is None or not math.isfinite(value) or value <= 0:
        return None
    return value


def reason_of(doc, date, now_ms):
    if doc.get("type") not in KNOWN:
        return "unknown_type"
    if date < FIRST_2000_MS:
        return "invalid_date"
    if date > now_ms + FUTURE_TOLERANCE_MS:
        return "future_date"
    value = glucose(doc.get(doc["type"])) if doc["type"] in {"sgv", "mbg"} else 1
    if value is None:
        return "missing_glucose"
    if doc["type"] == "sgv" and value < 39:
        return "sensor_error_code"
    if doc["type"] == "sgv":
        assert 39 <= value <= 401
    return None


def scan_entries(docs, now_ms):
    """Staging's rules on the served JSON, one document at a time."""
    copies = defaultdict(list)
    for doc in docs:
        date = doc["date"] * 1000 if doc["date"] < 1e11 else doc["date"]
        date = math.floor(date)
        identity = (doc.get("type", MISSING_TYPE), date)
        copies[identity].append(reason_of(doc, date, now_ms))
    quarantine = Counter()
    valid = duplicates = 0
    for (kind, _), reasons in copies.items():
        usable = reasons.count(None)
        if usable:
            valid += kind == "sgv"
            duplicates += usable - 1
        else:
            assert len(set(reasons)) == 1, reasons
            quarantine[reasons[0]] += 1
    return valid, dict(quarantine), duplicates


def treatment_key(doc):
    created = datetime.fromisoformat(doc["created_at"])
    return created, doc["eventType"]


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
    treatment_keys = Counter(treatment_key(d) for d in docs["treatments"])
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
    assert (
        sum(d.get("sgv") not in {"NaN", ""} and isinstance(d.get("sgv"), str) for d in entries)
        == counts["string_sgv"]
    )
    assert sum(d.get("sgv") == "NaN" for d in entries) == counts["nan_sgv"]
    assert sum(d.get("sgv") == "" for d in entries) == counts["empty_sgv"]
    assert sum(d.get("sgv") == 0 for d in entries) == counts["zero_sgv"]
    assert (
        sum(isinstance(d.get("sgv"), int) and d["sgv"] < 0 for d in entries)
        == counts["negative_sgv"]
    )
    assert sum(d["date"] < 1e11 for d in entries) == counts["seconds_date"]
    assert sum(1e11 <= d["date"] < FIRST_2000_MS for d in entries) == counts["pre_2000_date"]
    assert sum(d["date"] != int(d["date"]) for d in entries) == (
        counts["fractional_date"] + counts["fractional_duplicate"]
    )
    assert sum(d.get("type") == "carelink_raw" for d in entries) == counts["unknown_type"]
    assert sum(d.get("type") == "SGV" for d in entries) == counts["uppercase_type"]
    assert sum(d.get("type") == "" for d in entries) == counts["empty_type"]
    assert sum("type" not in d for d in entries) == counts["missing_type"]
    assert sum(d.get("type") == "mbg" and "mbg" in d for d in entries) == counts["mbg"]
    assert (
        sum(d.get("type") == "mbg" and "mbg" not in d for d in entries)
        == counts["mbg_without_value"]
    )
    assert sum(d.get("type") == "cal" for d in entries) == counts["cal"]
    assert sum(d.get("sgv") in {39, 401} for d in entries) >= counts["low_high_sentinel"]
    future = sum(d["date"] > now_ms + FUTURE_TOLERANCE_MS for d in entries)
    assert future == truth["entries"]["quarantine"]["future_date"]
    errors = [d for d in entries if isinstance(d.get("sgv"), int) and 0 < d["sgv"] < 39]
    assert len(errors) == counts["sensor_error_code"]
    no_reading = [
        d
        for d in entries
        if d.get("sgv") in {"NaN", ""} or (isinstance(d.get("sgv"), int) and d["sgv"] < 39)
    ]
    assert len(no_reading) == len(errors) + sum(
        counts[k] for k in ("zero_sgv", "negative_sgv", "nan_sgv", "empty_sgv")
    )
    assert all(d["direction"] == "NOT COMPUTABLE" for d in no_reading)
    treatments = docs["treatments"]
    assert sum(len(d["created_at"]) == 20 for d in treatments) == counts["created_at_without_ms"]
    assert sum(isinstance(d["insulin"], str) for d in treatments) == counts["string_insulin"]
    assert sum(isinstance(d["carbs"], str) for d in treatments) == counts["string_carbs"]
    assert float(next(d["insulin"] for d in treatments if isinstance(d["insulin"], str))) > 0


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


def test_a_type_filter_treats_a_missing_type_as_mongo_does():
    config = SimulatorConfig(
        sources=1, days=15, seed=3, quirks=True, quirk_scale=5, now="2025-03-25T08:00:00Z"
    )
    clock = Clock(config.frozen_now)
    site = build_sites(config, clock)["patient-001"]
    router = Router(clock, FaultPlan(1, 0.0, ()))

    def entries(query):
        reply = router.handle(site, "/api/v1/entries.json", f"find[date][$gte]=0&{query}", {})
        return json.loads(reply.body)

    everything = entries("count=0")
    typeless = sum("type" not in d for d in everything)
    assert typeless > 0
    sgv = entries("find[type]=sgv&count=0")
    assert len(sgv) == sum(d.get("type") == "sgv" for d in everything)
    others = entries("find[type][$ne]=sgv&count=0")
    assert len(others) == len(everything) - len(sgv)
    assert sum("type" not in d for d in others) == typeless
    empty = entries("find[type]=&count=0")
    assert empty, "an empty type is served"
    assert all(d["type"] == "" for d in empty), "a missing type is no empty string"


def test_the_truth_forgives_the_clock_skew_staging_forgives():
    project = yaml.safe_load((Path(__file__).parents[3] / "dbt/dbt_project.yml").read_text())
    assert project["vars"]["future_tolerance_minutes"] * 60_000 == FUTURE_TOLERANCE_MS
