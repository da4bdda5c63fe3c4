"""Generated CGM data looks like a real person's: ranges, cadence, trends, sensors, zones."""

import itertools

import numpy as np
import pytest

from glucolake.simulate import DEFAULT_TIMEZONES, SimulatorConfig, build_cohort
from glucolake.simulate.dataset import build_generated_source
from glucolake.simulate.documents import DIRECTIONS, render_devicestatus, render_entries
from glucolake.simulate.events import EV_SENSOR, EVENT_TYPES
from glucolake.simulate.timezones import DAY_MS

FIRST, LAST = 20_150, 20_209  # 3 March to 1 May 2025: both DST switches


@pytest.fixture(scope="module")
def sources():
    specs = build_cohort(SimulatorConfig(sources=5))
    return [build_generated_source(1, spec, FIRST, LAST, quirks=False) for spec in specs]


def test_cohort_cycles_time_zones_with_both_hemispheres_and_half_hours():
    specs = build_cohort(SimulatorConfig(sources=10))
    assert [s.source_id for s in specs[:2]] == ["patient-001", "patient-002"]
    assert [s.timezone for s in specs[:8]] == list(DEFAULT_TIMEZONES)
    assert {"Europe/Berlin", "Australia/Sydney", "Asia/Kolkata"} <= set(DEFAULT_TIMEZONES)


def test_glucose_is_whole_mg_dl_within_sensor_range_and_plausible(sources):
    for data in sources:
        sgv = data.entries["sgv"]
        assert sgv.dtype.kind == "i"
        assert sgv.min() >= 40
        assert sgv.max() <= 400
        in_range = np.mean((sgv >= 70) & (sgv <= 180))
        assert 0.5 < in_range < 0.95
        assert 120 < sgv.mean() < 190
        assert np.mean(sgv < 70) > 0.003, "occasional hypos"


def test_readings_every_five_minutes_on_a_phase_with_ms_jitter(sources):
    for data in sources:
        inst = data.entries["inst"]
        offset = (inst - data.spec.phase_ms) % 300_000
        assert offset.max() < 10
        assert np.median(np.diff(inst)) == pytest.approx(300_000, abs=10)


def test_gaps_from_signal_loss_and_sensor_warmups(sources):
    for data in sources:
        steps = np.diff(data.entries["inst"])
        assert (steps >= 15 * 60_000).sum() >= 5
        changes = data.treatments["created"][data.treatments["event"] == EV_SENSOR]
        assert 5 <= len(changes) <= 7, "a sensor every 10 days"
        for change in changes:
            inst = data.entries["inst"]
            assert not np.any((inst >= change) & (inst < change + 2 * 3_600_000)), "2 h warm-up"


def test_direction_follows_the_rate_of_change(sources):
    for data in sources:
        docs = render_entries(data, np.arange(data.entries.rows))
        for prev, doc in itertools.pairwise(docs):
            minutes = (doc["date"] - prev["date"]) / 60_000
            if minutes > 5.1:
                assert doc["direction"] == "NOT COMPUTABLE"
                continue
            rate = (doc["sgv"] - prev["sgv"]) / minutes
            expected = (
                "DoubleUp"
                if rate > 3
                else "SingleUp"
                if rate > 2
                else "FortyFiveUp"
                if rate > 1
                else "Flat"
                if rate >= -1
                else "FortyFiveDown"
                if rate >= -2
                else "SingleDown"
                if rate >= -3
                else "DoubleDown"
            )
            assert doc["direction"] == expected
            assert DIRECTIONS[doc.get("trend", DIRECTIONS.index(expected))] == expected


def test_uploader_styles_and_object_ids(sources):
    devices = set()
    for data in sources:
        docs = render_entries(data, np.arange(50))
        devices |= {d["device"] for d in docs}
        for doc in docs:
            assert len(doc["_id"]) == 24
            assert int(doc["_id"][:8], 16) == doc["date"] // 1000
            assert doc["dateString"] == doc["sysTime"]
            assert doc["dateString"].endswith("Z")
            if doc["device"] == "share2":
                assert {"trend", "direction", "utcOffset"} <= doc.keys()
            else:
                assert {"delta", "filtered", "unfiltered", "rssi", "noise"} <= doc.keys()
    assert devices == {"share2", "xDrip-DexcomG6"}


def test_utc_offsets_follow_dst_and_half_hour_zones(sources):
    berlin, _, sydney, kolkata, _ = sources

    def offsets(data):
        return set(data.timeline.minutes(data.entries["inst"]).tolist())

    assert offsets(berlin) == {60, 120}  # the March switch is inside the range
    assert offsets(sydney) == {600, 660}  # the April switch
    assert offsets(kolkata) == {330}


def test_treatments_cover_the_kinds_and_loop_status_is_complete(sources):
    data = sources[0]
    kinds = {EVENT_TYPES[e] for e in data.treatments["event"].tolist()}
    assert kinds == set(EVENT_TYPES)
    days = LAST - FIRST + 1
    assert data.devicestatus.rows == days * 288
    (status,) = render_devicestatus(data, np.array([1000]))
    assert status["device"] == "loop://iPhone"
    assert len(status["loop"]["predicted"]["values"]) == 12
    assert all(isinstance(v, int) for v in status["loop"]["predicted"]["values"])
    assert {"battery"} <= status["uploader"].keys()
    assert {"reservoir", "battery", "clock"} <= status["pump"].keys()
    assert {"iob", "cob", "predicted"} <= status["loop"].keys()
    assert data.entries["inst"].min() >= FIRST * DAY_MS
