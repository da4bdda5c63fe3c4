"""`glucolake ingest` against the Nightscout simulator over HTTP, as a user runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from glucolake.lake.compaction import MAX_DAY_FILES

from .conftest import log_events, raw_documents, run_cli, sources_file

pytestmark = pytest.mark.slow

COLLECTIONS = ("entries", "treatments", "devicestatus")


def served(sim, source_ids, collection):
    return sum(sim.truth(sid)[collection]["documents"] for sid in source_ids)


def assert_lake_holds_exactly_what_was_served(lake, sim, source_ids):
    for collection in COLLECTIONS:
        stored = raw_documents(lake, collection)
        assert len(stored) == len(set(stored)), f"{collection}: a document stored twice"
        assert len(stored) == served(sim, source_ids, collection), collection


def test_first_run_fetches_whole_history_then_runs_incrementally(simulator, tmp_path):
    sim = simulator(sources=3, days=12, seed=3)
    ids = sim.source_ids
    path = sources_file(tmp_path, sim, ids)
    first = run_cli("ingest", "--sources", str(path), home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert_lake_holds_exactly_what_was_served(tmp_path / "lake", sim, ids)

    second = run_cli("ingest", "--sources", str(path), home=tmp_path)
    assert second.returncode == 0, second.stderr
    done = [e for e in log_events(second.stderr) if e["event"] == "source_ingested"]
    assert len(done) == 3
    assert all(sum(e["written"].values()) == 0 for e in done), "nothing new, nothing written"
    assert all(e["requests"] <= 8 for e in done), "an incremental run reads only its overlap"
    assert_lake_holds_exactly_what_was_served(tmp_path / "lake", sim, ids)


def test_later_run_collects_new_readings_and_late_uploads(simulator, tmp_path):
    sim = simulator(sources=1, days=5, seed=11)
    (sid,) = sim.source_ids
    path = sources_file(tmp_path, sim, [sid])
    assert run_cli("ingest", "--sources", str(path), home=tmp_path).returncode == 0
    sim.stop()
    # The same site two hours later: deterministic data, so the overlap holds the same documents.
    later = simulator(sources=1, days=5, seed=11, now="2026-11-01T14:00:00+00:00", port=sim.port)
    result = run_cli("ingest", "--sources", str(path), home=tmp_path)
    assert result.returncode == 0, result.stderr
    (event,) = [e for e in log_events(result.stderr) if e["event"] == "source_ingested"]
    assert 20 <= event["written"]["entries"] <= 30, "about two hours of 5-minute readings"
    stored = raw_documents(tmp_path / "lake", "entries")
    assert len(stored) == len(set(stored))
    # Everything the later site serves is in the lake (the earlier days included).
    assert len(stored) >= later.truth(sid)["entries"]["documents"]


def test_a_day_of_15_minute_refreshes_keeps_its_partition_to_a_few_files(simulator, tmp_path):
    sim = simulator(sources=1, days=2, seed=5)
    (sid,) = sim.source_ids
    path = sources_file(tmp_path, sim, [sid])
    assert run_cli("ingest", "--sources", str(path), home=tmp_path).returncode == 0
    today = tmp_path / "lake/raw/nightscout/entries" / f"source={sid}" / "date=2026-11-01"
    compacted = []
    # Twice the bound: some quarters of an hour bring no reading (the simulated sensor's gaps).
    for refresh in range(1, 2 * MAX_DAY_FILES + 3):
        sim.stop()
        now = datetime(2026, 11, 1, 12, tzinfo=UTC) + timedelta(minutes=15 * refresh)
        sim = simulator(sources=1, days=2, seed=5, now=now.isoformat(), port=sim.port)
        result = run_cli("ingest", "--sources", str(path), home=tmp_path)
        assert result.returncode == 0, result.stderr
        compacted += [e for e in log_events(result.stderr) if e["event"] == "days_compacted"]
        assert len(list(today.glob("*.parquet"))) <= MAX_DAY_FILES
    assert {e["collection"] for e in compacted} >= {"entries", "devicestatus"}
    # Nothing lost and nothing stored twice on the way.
    assert_lake_holds_exactly_what_was_served(tmp_path / "lake", sim, [sid])


def test_quirky_faulty_sites_lose_nothing_and_store_nothing_twice(simulator, tmp_path):
    sim = simulator(sources=2, days=8, seed=5, quirks=True)
    ids = sim.source_ids
    path = sources_file(tmp_path, sim, ids)
    result = run_cli("ingest", "--sources", str(path), home=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    events = log_events(result.stderr)
    assert any(e["event"] == "retry" for e in events), "faults were met and retried"
    assert_lake_holds_exactly_what_was_served(tmp_path / "lake", sim, ids)
    stats = sim.stats(ids[0])
    assert sum(stats["faults"].values()) > 0


def test_site_whose_newest_reading_is_years_old(simulator, tmp_path):
    sim = simulator(sources=1, days=6, seed=2, now="2021-03-01T00:00:00+00:00")
    (sid,) = sim.source_ids
    path = sources_file(tmp_path, sim, [sid])
    result = run_cli("ingest", "--sources", str(path), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        len(raw_documents(tmp_path / "lake", "entries")) == sim.truth(sid)["entries"]["documents"]
    )


def test_since_and_until_narrow_the_period(simulator, tmp_path):
    sim = simulator(sources=1, days=6, seed=2)
    (sid,) = sim.source_ids
    path = sources_file(tmp_path, sim, [sid])
    result = run_cli(
        "ingest",
        "--sources",
        str(path),
        "--since",
        "2026-10-29",
        "--until",
        "2026-10-30",
        home=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    days = {p.name for p in (tmp_path / "lake/raw/nightscout/entries").rglob("date=*")}
    assert days == {"date=2026-10-29"}
    assert not (tmp_path / "lake/state/ingest").exists(), "a backfill leaves watermarks alone"
    # ...and tells transform which days it may have changed.
    records = [
        json.loads(p.read_text()) for p in (tmp_path / "lake/state/changes/pending").glob("*.json")
    ]
    assert {(r["collection"], r["from_day"]) for r in records} >= {("entries", "2026-10-29")}


def test_denied_site_without_credentials_fails_alone_with_one_clear_line(simulator, tmp_path):
    open_sim = simulator(sources=1, days=2, seed=1)
    closed = simulator(sources=1, days=2, seed=2, auth="denied", api_secret="a-very-secret-value")
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        f"  - id: open\n    url: {open_sim.url_for(open_sim.source_ids[0])}\n"
        f"  - id: closed\n    url: {closed.url_for(closed.source_ids[0])}\n"
        "    api_secret_env: CLOSED_SECRET\n"
    )
    wrong = run_cli(
        "ingest", "--sources", str(path), home=tmp_path, env={"CLOSED_SECRET": "wrong-secret-value"}
    )
    assert wrong.returncode == 1
    errors = [line for line in wrong.stderr.splitlines() if line.startswith("glucolake: error:")]
    expected = (
        "glucolake: error: source closed: "
        "the site did not accept the API secret from $CLOSED_SECRET"
    )
    assert errors == [expected]
    assert "wrong-secret-value" not in wrong.stderr + wrong.stdout
    assert closed.stats(closed.source_ids[0])["auth_failures"] <= 2, "no retry loop on 401"
    assert raw_documents(tmp_path / "lake", "entries"), "the open source went on"

    right = run_cli(
        "ingest",
        "--sources",
        str(path),
        home=tmp_path,
        env={"CLOSED_SECRET": "a-very-secret-value"},
    )
    assert right.returncode == 0, right.stderr
    assert "a-very-secret-value" not in right.stderr + right.stdout


def test_source_that_keeps_failing_is_reported_after_the_others(simulator, tmp_path):
    sim = simulator(sources=2, days=2, seed=4, fail_always=frozenset({"patient-002"}))
    path = sources_file(tmp_path, sim, sim.source_ids)
    result = run_cli("ingest", "--sources", str(path), home=tmp_path, timeout=600)
    assert result.returncode == 1
    assert (
        "glucolake: error: source patient-002: "
        "GET profile.json still failing after 6 attempts: HTTP 500" in result.stderr
    )
    stored = set(raw_documents(tmp_path / "lake", "entries"))
    assert len(stored) == sim.truth("patient-001")["entries"]["documents"]


def test_ingest_into_s3(simulator, s3_server, tmp_path):
    env, client = s3_server
    sim = simulator(sources=2, days=3, seed=8)
    path = sources_file(tmp_path, sim, sim.source_ids)
    result = run_cli(
        "ingest",
        "--sources",
        str(path),
        home=tmp_path,
        env={**env, "GLUCOLAKE_LAKE": "s3://lake/cohort-a"},
    )
    assert result.returncode == 0, result.stderr
    keys = [
        o["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket="lake", Prefix="cohort-a/"
        )
        for o in page.get("Contents", [])
    ]
    entry_keys = [k for k in keys if k.startswith("cohort-a/raw/nightscout/entries/source=")]
    assert entry_keys
    assert all(k.endswith(".parquet") for k in entry_keys)
    assert any(k.startswith("cohort-a/state/ingest/") for k in keys)
    assert env["AWS_SECRET_ACCESS_KEY"] not in result.stderr


def test_unreachable_s3_is_one_line_and_exit_2(simulator, tmp_path):
    sim = simulator(sources=1, days=1, seed=8)
    path = sources_file(tmp_path, sim, sim.source_ids)
    result = run_cli(
        "ingest",
        "--sources",
        str(path),
        home=tmp_path,
        env={
            "GLUCOLAKE_LAKE": "s3://lake/x",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
            "AWS_ACCESS_KEY_ID": "k",
            "AWS_SECRET_ACCESS_KEY": "s",
        },
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("glucolake: error: lake s3://lake/x: cannot reach it")
    assert len(result.stderr.strip().splitlines()) == 1
