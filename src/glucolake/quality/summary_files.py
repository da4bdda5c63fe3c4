"""The gate's summaries of past days and months, merged so that readers open few files.

The gate writes a one-row summary per run, ``quality/summary/<run_id>.parquet``: every 15
minutes, 35,000 files a year, all of which the lake's dbt build reads on every run, so that each
refresh cost a little more than the one before. Once a day is over, its runs' files are merged
into ``<YYYYMMDD>.parquet``; once a month is over, its days' files into ``<YYYYMM>.parquet``.
The folder then holds today's runs, this month's days and one file per month before; every name
still matches the readers' ``*.parquet``.

A merged file is written whole first, then the files it merged are deleted: a run killed in
between leaves some runs twice, never once less. Staging keeps one row per run, and the next
compaction merges the copies again.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from glucolake.lake.storage import Lake

__all__ = ["SUMMARY_DIR", "compact_summaries"]

SUMMARY_DIR = "quality/summary"
_RUN = re.compile(r"^(?P<day>(?P<month>\d{6})\d{2})T\d{6}Z$")
_DAY = re.compile(r"^(?P<month>\d{6})\d{2}$")


def compact_summaries(lake: Lake, run_id: str) -> int:
    """Merge the summaries of days and months before ``run_id``'s; return the files merged."""
    merged = 0
    for pattern, period, before in ((_RUN, "day", run_id[:8]), (_DAY, "month", run_id[:6])):
        files = lake.list_files(SUMMARY_DIR)
        grouped: dict[str, list[str]] = defaultdict(list)
        for path in files:
            found = pattern.match(path.rsplit("/", 1)[-1].removesuffix(".parquet"))
            if found and found[period] < before:
                grouped[found[period]].append(path)
        for key, paths in sorted(grouped.items()):
            merged += _merge(lake, key, paths, existing=set(files))
    return merged


def _merge(lake: Lake, period: str, paths: list[str], *, existing: set[str]) -> int:
    """Write ``<period>.parquet`` with the rows of ``paths`` and its own, then delete ``paths``."""
    target = f"{SUMMARY_DIR}/{period}.parquet"
    sources = sorted({*paths, *([target] if target in existing else [])})
    table = pa.concat_tables(
        [lake.read_parquet(path) for path in sources], promote_options="default"
    )
    # One row per run: a compaction killed before its deletes left copies.
    first: dict[str, int] = {}
    for index, run in enumerate(table["run_id"].to_pylist()):
        first.setdefault(str(run), index)
    table = table.take(sorted(first.values())).sort_by("run_id")
    lake.put_parquet(target, table)
    for path in paths:
        if path != target:
            lake.delete(path)
    return len(paths)
