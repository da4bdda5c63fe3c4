"""Gate summaries of past days and months merged into one file each, no run lost or doubled."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pytest

from glucolake.lake.storage import Lake
from glucolake.quality.summary_files import SUMMARY_DIR, compact_summaries
from glucolake.settings import S3Settings

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake.open(str(tmp_path / "lake"), S3Settings())


def _store(lake: Lake, run_id: str, name: str | None = None) -> None:
    row = pa.table({"run_id": [run_id], "passed": [True]})
    lake.put_parquet(f"{SUMMARY_DIR}/{name or run_id}.parquet", row)


def _files(lake: Lake) -> list[str]:
    return [p.rsplit("/", 1)[-1] for p in lake.list_files(SUMMARY_DIR)]


def _runs(lake: Lake) -> list[str]:
    """Every run as the lake's readers see the folder (dbt's source reads this glob)."""
    pattern = lake.path(f"{SUMMARY_DIR}/*.parquet")
    rows = duckdb.sql(
        f"select run_id from read_parquet('{pattern}', union_by_name = true) order by run_id"  # noqa: S608
    ).fetchall()
    return [run_id for (run_id,) in rows]


def test_past_days_become_one_file_each_and_today_stays_as_it_is(lake: Lake) -> None:
    runs = ["20261203T230000Z", "20261204T000000Z", "20261204T120000Z", "20261205T080000Z"]
    for run_id in runs:
        _store(lake, run_id)

    merged = compact_summaries(lake, "20261205T080000Z")

    assert merged == 3
    assert _files(lake) == ["20261203.parquet", "20261204.parquet", "20261205T080000Z.parquet"]
    assert _runs(lake) == runs


def test_past_months_become_one_file_each(lake: Lake) -> None:
    runs = ["20261030T100000Z", "20261130T100000Z", "20261130T110000Z", "20261201T000000Z"]
    for run_id in runs[:3]:
        _store(lake, run_id)
    compact_summaries(lake, "20261130T110000Z")
    assert _files(lake) == [
        "202610.parquet",
        "20261130T100000Z.parquet",
        "20261130T110000Z.parquet",
    ]
    _store(lake, runs[3])

    compact_summaries(lake, "20261202T000000Z")

    assert _files(lake) == ["202610.parquet", "202611.parquet", "20261201.parquet"]
    assert _runs(lake) == runs


def test_copies_left_by_a_killed_compaction_are_merged_once(lake: Lake) -> None:
    # Killed after writing the day's file, before deleting what it merged; then one more run.
    _store(lake, "20261203T100000Z")
    _store(lake, "20261203T110000Z")
    _store(lake, "20261203T100000Z", name="20261203")
    _store(lake, "20261203T120000Z")

    compact_summaries(lake, "20261204T000000Z")

    assert _files(lake) == ["20261203.parquet"]
    assert _runs(lake) == ["20261203T100000Z", "20261203T110000Z", "20261203T120000Z"]


def test_nothing_to_merge_writes_nothing(lake: Lake) -> None:
    _store(lake, "20261205T080000Z")

    assert compact_summaries(lake, "20261205T081500Z") == 0
    assert _files(lake) == ["20261205T080000Z.parquet"]
