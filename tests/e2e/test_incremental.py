"""An incremental refresh ends exactly where a full build from the same raw zone ends."""

from __future__ import annotations

import json
import re

import duckdb
import pytest
import yaml
from tests.helpers import (
    MARTS,
    assert_same,
    glucolake,
    home_environment,
    run_pipeline,
    warehouse_tables,
)

from glucolake.simulate import SimulatorConfig, SimulatorServer, write_sources_file

pytestmark = pytest.mark.slow

# The refresh crosses UTC midnight, so it rewrites yesterday and today, and a local day that
# spans both (Europe and America/… time zones in the simulated cohort).
# History starts on 2026-06-04 in both (days of history before the simulated today).
FIRST_RUN = ("2026-06-10T22:40:00+00:00", 6)
REFRESH = ("2026-06-11T01:25:00+00:00", 7)
# A day later: another scope and other raw files, with the project parsed by the refresh before.
NEXT_DAY = ("2026-06-12T00:40:00+00:00", 8)
CURATED = ("fact_glucose_readings", "fact_treatments", "dim_glucose_date", "glucose_window_metrics")


def run_at(moment, home, **env):
    now, days = moment
    home.mkdir(exist_ok=True)
    run_pipeline(home, home_environment(home) | env, sources=2, days=days, seed=11, now=now)


def transform_scopes(home):
    """The scope each transform of a home logged (JSON log lines in the task logs)."""
    return [
        json.loads(line)
        for log in sorted((home / "runs").rglob("*.log"))
        for line in log.read_text().splitlines()
        if '"transform_scope"' in line
    ]


def dbt_invocations(home):
    """dbt's file log of a home, one text per dbt call, oldest first."""
    log = (home / "dbt" / "logs" / "dbt.log").read_text()
    return [part for part in log.split("\n\n============================== ") if part.strip()]


def test_refresh_equals_full_build(tmp_path):
    refreshed, rebuilt = tmp_path / "refreshed", tmp_path / "rebuilt"
    # The refreshed home writes its fact one source per batch, the rebuilt one all at once.
    run_at(FIRST_RUN, refreshed, GLUCOLAKE_FACT_BATCH_ROWS="1")
    run_at(REFRESH, refreshed, GLUCOLAKE_FACT_BATCH_ROWS="1")
    run_at(REFRESH, rebuilt)

    assert_same(warehouse_tables(refreshed), warehouse_tables(rebuilt), after="refresh")
    assert_same(
        warehouse_tables(refreshed, CURATED, schema="curated"),
        warehouse_tables(rebuilt, CURATED, schema="curated"),
        after="refresh (curated)",
    )
    # The refresh really was incremental, and left no change unpublished.
    assert [s["full"] for s in transform_scopes(refreshed)][-1] is False
    # Its small models ran two at once, the full build's one at a time (profiles.yml).
    lake_threads = [
        int(found[1])
        for call in dbt_invocations(refreshed)
        for found in [re.search(r"Concurrency: (\d+) threads? \(target='lake'\)", call)]
        if found
    ]
    assert lake_threads == [1, 1, 2, 2]
    assert not list((refreshed / "lake" / "state" / "changes" / "pending").glob("*.json"))
    assert not list((refreshed / "lake" / "state" / "changes" / "built").glob("*.json"))
    assert set(MARTS) <= set(warehouse_tables(refreshed))
    batched = [call for call in dbt_invocations(refreshed) if "written in 2 batches" in call]
    assert len(batched) == 2, "the first run and the refresh each wrote two batches"


def test_a_refresh_of_some_sources_equals_a_full_build(tmp_path):
    """One source has new readings, the other none (its phone is off): the refresh rebuilds
    the first and keeps the second's rows, in every table a full build also writes."""
    refreshed, rebuilt = tmp_path / "refreshed", tmp_path / "rebuilt"
    now, days = REFRESH
    for home, full in ((refreshed, "false"), (rebuilt, "true")):
        env = home_environment(home)
        run_at(FIRST_RUN, home)
        with SimulatorServer(SimulatorConfig(sources=2, days=days, seed=11, now=now)) as sim:
            write_sources_file(sim, home / "sources.yaml")
            glucolake(
                "ingest", "--sources", str(home / "sources.yaml"), "--only", "patient-001", env=env
            )
        glucolake("transform", "--stage", "intermediate", "--full-refresh", full, env=env)
        glucolake("validate", env=env)
        curated = glucolake(
            "transform", "--stage", "curated", "--full-refresh", full, "--json-logs", env=env
        )
        glucolake("publish", env=env)
        if full == "false":
            assert '"full": false, "sources": 1' in curated.stderr

    assert_same(warehouse_tables(refreshed), warehouse_tables(rebuilt), after="one source")
    assert_same(
        warehouse_tables(refreshed, CURATED, schema="curated"),
        warehouse_tables(rebuilt, CURATED, schema="curated"),
        after="one source (curated)",
    )


def test_steps_with_nothing_new_change_nothing(tmp_path):
    """Every step builds with an empty scope: the lake and the marts stay as they were."""
    home = tmp_path / "home"
    run_at(FIRST_RUN, home)
    marts = warehouse_tables(home)
    curated = warehouse_tables(home, CURATED, schema="curated")
    env = home_environment(home)
    for step in (["transform", "--stage", "intermediate"], ["validate"]):
        glucolake(*step, env=env)
    curated_build = glucolake("transform", "--stage", "curated", "--json-logs", env=env)
    assert '"sources": 0' in curated_build.stderr
    glucolake("publish", env=env)

    # Readers of the fact skip a placeholder row, but it must not land among its partitions.
    fact = home / "lake" / "curated" / "fact_glucose_readings"
    assert {p.name for p in fact.iterdir()} == {"source_id=patient-001", "source_id=patient-002"}
    assert_same(warehouse_tables(home), marts, after="steps with nothing new")
    assert_same(
        warehouse_tables(home, CURATED, schema="curated"), curated, after="nothing new (curated)"
    )
    run_at(REFRESH, home)  # and the next refresh builds on it


def test_a_refresh_into_postgres_replaces_exactly_the_rewritten_readings(
    tmp_path, postgres_database
):
    """Postgres deletes and inserts the refresh's readings in its own SQL (load.py)."""
    import psycopg  # noqa: PLC0415 - only the Postgres tests need it

    home = tmp_path / "home"
    run_at(FIRST_RUN, home, GLUCOLAKE_WAREHOUSE=postgres_database)
    run_at(REFRESH, home, GLUCOLAKE_WAREHOUSE=postgres_database)
    assert [s["full"] for s in transform_scopes(home)][-1] is False

    # The lake's fact is a full build's (test_refresh_equals_full_build); the refresh rewrote
    # yesterday's and today's readings, so a delete that missed would leave them twice, and an
    # insert that missed would lose them.
    fact = home / "lake" / "curated" / "fact_glucose_readings" / "*" / "*" / "*.parquet"
    identity = "select source_id, date_ms, local_date"
    with duckdb.connect() as connection:
        built = connection.execute(
            f"{identity} from read_parquet($files) order by all", {"files": str(fact)}
        ).fetchall()
    with psycopg.connect(postgres_database) as connection:
        stored = connection.execute(
            f"{identity} from curated.fact_glucose_readings order by 1, 2, 3"
        ).fetchall()
    assert stored == built
    assert len({row[2] for row in built}) >= 7, "the history reaches beyond the refresh"


def test_partially_parsed_refresh_equals_full_build(tmp_path):
    """Whether a build is incremental, its scope and its raw files reach the models when they
    run, not through dbt's parse: refreshes that reuse the full build's parse, then their own,
    still build exactly a full build."""
    refreshed, rebuilt = tmp_path / "refreshed", tmp_path / "rebuilt"
    run_at(FIRST_RUN, refreshed)
    calls_before = len(dbt_invocations(refreshed))
    run_at(REFRESH, refreshed)
    run_at(NEXT_DAY, refreshed)
    run_at(NEXT_DAY, rebuilt)

    # Every dbt call of both refreshes (both lake stages, then the warehouse) reused the parse
    # of the one before it, the first refresh the full build's.
    refreshes = dbt_invocations(refreshed)[calls_before:]
    assert len(refreshes) == 6
    for call in refreshes:
        assert "Unable to do partial parsing" not in call, call[:2000]
    scopes = transform_scopes(refreshed)
    assert [s["full"] for s in scopes[-2:]] == [False, False]
    assert all(s["sources"] > 0 for s in scopes[-2:])
    assert_same(warehouse_tables(refreshed), warehouse_tables(rebuilt), after="next day")
    assert_same(
        warehouse_tables(refreshed, CURATED, schema="curated"),
        warehouse_tables(rebuilt, CURATED, schema="curated"),
        after="next day (curated)",
    )


def test_the_facts_write_mode_follows_the_build(tmp_path):
    """`incremental_partitions`: a full build empties the fact's folder before it writes, an
    incremental one rewrites its scope's partitions and leaves every other file as it was."""
    home = tmp_path / "home"
    # Two weeks of history: May and June partitions, and the refresh touches only June's.
    (first, days), (refresh, _) = FIRST_RUN, REFRESH
    run_at((first, days + 8), home)
    fact = home / "lake" / "curated" / "fact_glucose_readings"
    stray = fact / "source_id=patient-001" / "local_month=2020-01" / "data_0.parquet"
    stray.parent.mkdir()
    stray.write_bytes((next(fact.rglob("*.parquet"))).read_bytes())
    env = home_environment(home)
    for stage in ("intermediate", "curated"):
        glucolake("transform", "--stage", stage, "--full-refresh", "true", env=env)
    assert not stray.exists(), "a full build left a partition it did not write"

    before = {p: p.stat().st_mtime_ns for p in fact.rglob("*.parquet")}
    run_at((refresh, days + 9), home)
    after = {p: p.stat().st_mtime_ns for p in fact.rglob("*.parquet")}
    assert [s["full"] for s in transform_scopes(home)][-1] is False
    rewritten = {p for p in before if after.get(p) != before[p]}
    assert rewritten, "the refresh rewrote its months"
    assert len(rewritten) < len(before), "the refresh rewrote every partition"
    assert set(before) <= set(after), "the refresh deleted a partition outside its scope"


def test_a_new_time_zone_rebuilds_every_day_of_its_source(tmp_path):
    env = home_environment(tmp_path)
    cohort = tmp_path / "sources.yaml"
    # History starts at 00:04 UTC on June 1st: May 31st in New York, June 1st in Tokyo, so the
    # new zone also empties a local month the old one filled.
    now = "2026-06-05T02:00:00+00:00"
    with SimulatorServer(SimulatorConfig(sources=1, days=4, seed=11, now=now)) as sim:
        for zone in ("America/New_York", "Asia/Tokyo"):
            source = {"id": sim.source_ids[0], "url": sim.url_for(sim.source_ids[0])}
            cohort.write_text(yaml.safe_dump({"sources": [source | {"timezone": zone}]}))
            glucolake("ingest", "--sources", str(cohort), env=env)
            glucolake("transform", env=env)
    with duckdb.connect() as connection:
        wrong = connection.execute(
            "select count(*), count(*) filter (where local_date <> "
            "cast(timezone('Asia/Tokyo', reading_at) as date)) from read_parquet($files)",
            {"files": f"{tmp_path}/lake/curated/fact_glucose_readings/*/*/*.parquet"},
        ).fetchone()
    assert wrong[0] > 1000
    assert wrong[1] == 0, "readings kept the local day of the old time zone"


def test_a_refresh_tests_whole_the_partitions_it_rewrote(tmp_path):
    """An incremental build tests only the fact's partitions it rewrote (see
    macros/where_subquery.sql), but all of their rows: a duplicate among the rows it kept from
    the previous build still fails it."""
    home = tmp_path / "home"
    env = home_environment(home)
    run_at(FIRST_RUN, home)
    fact = home / "lake/curated/fact_glucose_readings"
    partition = fact / "source_id=patient-001" / "local_month=2026-06"
    (written,) = partition.glob("*.parquet")
    with duckdb.connect() as connection:
        # The first reading, on a day the refresh keeps rather than rebuilds, twice.
        connection.execute(
            "copy (select * from read_parquet($file) union all "
            "(select * from read_parquet($file) order by date_ms limit 1)) to $tmp",
            {"file": str(written), "tmp": str(tmp_path / "doubled.parquet")},
        )
    (tmp_path / "doubled.parquet").replace(written)

    now, days = REFRESH
    with SimulatorServer(SimulatorConfig(sources=2, days=days, seed=11, now=now)) as sim:
        write_sources_file(sim, home / "sources.yaml")
        glucolake("ingest", "--sources", str(home / "sources.yaml"), env=env)
    refresh = glucolake("transform", env=env, check=False)

    assert refresh.returncode != 0
    assert "unique_combination_fact_glucose_readings_source_id__date_ms" in refresh.stderr
    # It read the partitions the refresh rewrote, by name: both sources' June.
    compiled = next((home / "dbt/target/compiled").rglob("unique_combination_fact_glucose_*"))
    read = sorted(re.findall(r"'([^']+\.parquet)'", compiled.read_text()))
    assert read == sorted(str(path) for path in fact.glob("*/local_month=2026-06/*.parquet"))
    assert len(read) == 2
