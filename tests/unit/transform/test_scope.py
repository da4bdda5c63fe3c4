from __future__ import annotations

from glucolake.lake import Lake
from glucolake.lake.changes import Scope
from glucolake.settings import S3Settings
from glucolake.transform.scope import dbt_scope_vars

PARTITIONS = (
    "date=1970-01-19",  # seconds-dated entries: duplicates of any day
    "date=unknown",
    "month=2026-09",
    "month=2026-10",
    "date=2026-11-01",
    "date=2026-11-18",
    "date=2026-11-19",
    "date=2026-11-20",
)


def lake_with_partitions(tmp_path):
    lake = Lake.open(str(tmp_path / "lake"), S3Settings())
    for partition in PARTITIONS:
        lake.put_atomic(f"raw/nightscout/entries/source=alice/{partition}/b1-0000.parquet", b"x")
    return lake


def entries_read(tmp_path, first_changed_day):
    lake = lake_with_partitions(tmp_path)
    scope = Scope(full=False, sources={"alice": first_changed_day}, records=())
    paths = dbt_scope_vars(lake, lake.uri, scope)["raw_paths"]["entries"]
    return {p for p in PARTITIONS if f"/{p}/" in str(paths)}


def test_a_refresh_reads_its_recent_days_and_the_partitions_that_are_no_calendar_day(tmp_path):
    # Rebuilding from the 20th reads from the 18th (the eve of the first local day, and the
    # reading before it); compacted months lie before that.
    assert entries_read(tmp_path, "2026-11-20") == {
        "date=1970-01-19",
        "date=unknown",
        "date=2026-11-18",
        "date=2026-11-19",
        "date=2026-11-20",
    }


def test_a_change_inside_a_compacted_month_reads_that_month_whole(tmp_path):
    read = entries_read(tmp_path, "2026-10-17")  # a backfill reaching into October
    assert {"month=2026-10", "date=2026-11-01", "date=2026-11-20"} <= read
    assert "month=2026-09" not in read


def test_a_full_read_of_a_source_takes_every_partition(tmp_path):
    assert entries_read(tmp_path, None) == set(PARTITIONS)
