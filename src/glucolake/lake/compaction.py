"""Closed months of the raw zone, compacted into one file per source, collection and month.

Ingest writes small files: one per UTC day and run, so a year of one source is hundreds of files
per collection, and a 100-source cohort tens of thousands. Reading that many files dominates a
full build, and zstd cannot find the repeats between documents spread over so many small files.
Once no refresh can write into a month any more, its day partitions are merged into
``raw/nightscout/<collection>/source=<id>/month=<YYYY-MM>/<batch>.parquet``.

Compaction keeps every document byte for byte with its own batch and fetch time; only the
file boundaries change. It writes the month's new file whole first, then deletes the files it
merged: a run killed in between leaves each document twice, never once less; staging
deduplicates on identity, and the next compaction of that month merges the copies again.

Late documents of a compacted month (a backfill, an uploader catching up) land in a day
partition as usual; the writer checks the month file first, so nothing is stored twice, and the
next compaction folds the new day into the month.

The month stays open for a week after it ends, and a 15-minute refresh writes a file into the
day it fetched every time: 96 files a day per source and collection, which the writer reads
back before each write and staging reads on every build. So a day partition that holds more
than ``MAX_DAY_FILES`` files is merged into one file in place, by the same rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast

import pyarrow as pa

from glucolake.lake.raw_encoding import (
    BATCH_ID,
    ENCODING,
    FETCHED_AT,
    SHAPE,
    SOURCE_ID,
    TEXT_COLLECTIONS,
    document_texts,
    encode_documents,
    exact_doubles,
    narrowest_fractional,
    to_parquet_bytes,
)
from glucolake.lake.raw_layout import (
    DAY_PREFIX,
    day_dir,
    month_dir,
    month_of_partition,
    source_dir,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from glucolake.lake.storage import Lake

__all__ = [
    "CLOSE_AFTER_DAYS",
    "MAX_DAY_FILES",
    "CompactionStats",
    "compact_closed_months",
    "compact_crowded_days",
    "sort_key",
]

# A month is closed once the source's newest document is this many days past the month's end.
# Refreshes re-read hours (the ingest overlap), not days, so they never write into a closed month.
CLOSE_AFTER_DAYS = 7
# A day partition holding more files than this is merged into one: at most 8 small files are read
# per day, and each 15-minute refresh rewrites, on average, an eighth of a day's documents.
MAX_DAY_FILES = 8
# What tells two stored copies of one document apart: not the document.
_PER_FETCH_COLUMNS = frozenset({SOURCE_ID, BATCH_ID, FETCHED_AT, ENCODING})


@dataclass
class CompactionStats:
    """What one compaction did."""

    months: int = 0
    days: int = 0
    files_merged: int = 0
    documents: int = 0
    bytes_written: int = 0

    def add(self, merged: list[str], documents: int, bytes_written: int) -> None:
        """Count one merge of the ``merged`` files."""
        self.files_merged += len(merged)
        self.documents += documents
        self.bytes_written += bytes_written


def compact_closed_months(
    lake: Lake, collection: str, source_id: str, *, newest_day: date, batch_id: str
) -> CompactionStats:
    """Merge the day partitions of every month closed by ``newest_day`` into its month file."""
    folder = source_dir(collection, source_id)
    partitions = lake.list_dirs(folder)
    stats = CompactionStats()
    for month in _closed_months(partitions, newest_day):
        days = [p for p in partitions if p.startswith(f"{DAY_PREFIX}{month}-")]
        merged = [f for day in days for f in lake.list_files(f"{folder}/{day}")]
        merged += lake.list_files(month_dir(collection, source_id, month))
        target = month_dir(collection, source_id, month)
        stats.add(merged, *_merge(lake, merged, target, collection, source_id, batch_id=batch_id))
        for day in days:
            lake.remove_empty_dir(f"{folder}/{day}")
        stats.months += 1
    return stats


def compact_crowded_days(
    lake: Lake, collection: str, source_id: str, days: Iterable[str], *, batch_id: str
) -> CompactionStats:
    """Merge each of ``days`` whose partition holds more than MAX_DAY_FILES files into one."""
    stats = CompactionStats()
    for day in sorted(set(days)):
        folder = day_dir(collection, source_id, day)
        files = lake.list_files(folder)
        if len(files) > MAX_DAY_FILES:
            stats.add(files, *_merge(lake, files, folder, collection, source_id, batch_id=batch_id))
            stats.days += 1
    return stats


def _merge(
    lake: Lake, merged: list[str], folder: str, collection: str, source_id: str, *, batch_id: str
) -> tuple[int, int]:
    """Write the documents of the ``merged`` files as one new file in ``folder``, then delete them.

    The new file is whole before the first delete: a kill in between leaves copies, never a gap.
    Returns the documents and bytes written.
    """
    target = _fresh_name(folder, batch_id, merged)
    tables = [lake.read_parquet(path) for path in merged]
    table = _concatenated(tables)
    if table is None:
        documents = _distinct_documents(tables)
        table = encode_documents(
            [(document, text, fetched) for document, text, fetched, _ in documents],
            source_id=source_id,
            batch_id=[batch for _, _, _, batch in documents],
            keep_text=collection in TEXT_COLLECTIONS,
        )
    data = to_parquet_bytes(table)
    lake.put_atomic(target, data)
    for path in merged:
        lake.delete(path)
    return table.num_rows, len(data)


def sort_key(document: dict[str, Any], text: str) -> tuple[float, str, str]:
    """Time order, which compresses far better (delta-encoded dates, shared ObjectId prefixes)."""
    when = document.get("date", document.get("created_at", document.get("startDate")))
    if isinstance(when, int | float) and not isinstance(when, bool):
        return (float(when), "", text)
    return (0.0, str(when), text)


def _closed_months(partitions: list[str], newest_day: date) -> list[str]:
    """Months that still have day partitions and that no refresh writes into any more."""
    months = {
        month
        for partition in partitions
        if partition.startswith(DAY_PREFIX) and (month := month_of_partition(partition))
    }
    return sorted(
        m for m in months if _first_day_after(m) + timedelta(CLOSE_AFTER_DAYS) <= newest_day
    )


def _first_day_after(month: str) -> date:
    first = date.fromisoformat(f"{month}-01")
    return (first + timedelta(days=32)).replace(day=1)


def _concatenated(tables: list[pa.Table]) -> pa.Table | None:
    """The files' rows as one table, when that is what encoding their documents together gives.

    That is the case when every file has the same columns of the same types, written by this
    encoding, and no document repeats (copies exist only after a killed compaction): a field
    typed alike in each file is typed so over their union. Fractional columns count as one
    type whatever their scale: the union is typed anew from their exact doubles. Then no JSON
    is parsed, which is most of a month's compaction; otherwise ``None``, and the documents are
    encoded anew.
    """
    tables = [_fractions_as_doubles(t) for t in tables]
    schema = tables[0].schema
    if SHAPE not in schema.names or any(not t.schema.equals(schema) for t in tables[1:]):
        return None
    table = pa.concat_tables(tables)
    for index, field in enumerate(table.schema):
        if pa.types.is_floating(field.type):
            narrowed = narrowest_fractional(table.column(index).combine_chunks())
            table = table.set_column(index, field.name, narrowed)
    # Over columns of one type each, one document always encodes to the same row: distinct
    # rows are distinct documents, and no document needs rebuilding to tell. Arrow cannot group
    # by lists; leaving them out can only make two documents look alike, and then they are
    # encoded anew, which is never wrong.
    content = [
        field.name
        for field in table.schema
        if field.name not in _PER_FETCH_COLUMNS and not pa.types.is_list(field.type)
    ]
    if table.group_by(content, use_threads=False).aggregate([]).num_rows != table.num_rows:
        return None
    return table


def _fractions_as_doubles(table: pa.Table) -> pa.Table:
    """``table`` with its decimal columns as the doubles they give back."""
    for index, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            table = table.set_column(index, field.name, exact_doubles(table.column(index)))
    return table


def _distinct_documents(
    tables: list[pa.Table],
) -> list[tuple[dict[str, Any], str, datetime, str]]:
    """Every distinct document of the files' ``tables``, first fetch kept, in time order."""
    kept: dict[str, tuple[datetime, str]] = {}
    for table in tables:
        # Never null: the writer fills the three columns for every document.
        texts = document_texts(table)
        fetched_at = cast("list[datetime]", table.column(FETCHED_AT).to_pylist())
        batches = cast("list[str]", table.column(BATCH_ID).to_pylist())
        for text, fetched, batch in zip(texts, fetched_at, batches, strict=True):
            if text not in kept or fetched < kept[text][0]:
                kept[text] = (fetched, batch)
    documents = [
        (json.loads(text), text, fetched, batch) for text, (fetched, batch) in kept.items()
    ]
    documents.sort(key=lambda d: sort_key(d[0], d[1]))
    return documents


def _fresh_name(folder: str, batch_id: str, taken: list[str]) -> str:
    """``<folder>/<batch>.parquet``, numbered if this batch already compacted the month."""
    number = 0
    while (name := f"{folder}/{batch_id}-{number:04d}.parquet") in taken:
        number += 1
    return name
