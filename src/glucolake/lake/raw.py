"""The raw zone: every fetched document, kept as fetched, partitioned by source and UTC day.

Layout: ``raw/nightscout/<collection>/source=<id>/date=<UTC day>/<batch>-<n>.parquet``, and
``…/source=<id>/month=<YYYY-MM>/<batch>-<n>.parquet`` once a closed month is compacted
(``lake/compaction.py``); ``lake/raw_layout.py`` spells these paths.

The zone is append-only. Re-fetching a period (incremental runs overlap on purpose, and a killed
run is simply run again) writes only documents the partition does not already hold byte for byte,
so what was fetched is never lost and never stored twice. A document the site changed since (same
``_id``, other content) is a new fact and is kept next to the old one; the staging layer decides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from glucolake.lake.compaction import sort_key
from glucolake.lake.raw_encoding import (
    TEXT_COLLECTIONS,
    canonical_json,
    document_texts,
    encode_documents,
    to_parquet_bytes,
)
from glucolake.lake.raw_layout import (
    COLLECTIONS,
    DAY_PREFIX,
    MONTH_PREFIX,
    day_dir,
    month_dir,
    source_dir,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from glucolake.lake.storage import Lake

__all__ = [
    "COLLECTIONS",
    "UNKNOWN_DAY",
    "RawPartitionWriter",
    "WriteStats",
    "document_day",
    "stored_texts",
]

UNKNOWN_DAY = "unknown"
# Which field dates a document of each collection (the field the API filters on).
_TIME_FIELD = {
    "entries": "date",
    "treatments": "created_at",
    "devicestatus": "created_at",
    "profile": "startDate",
}
# Flush a partition early when it holds this many documents, to bound memory on huge days.
_MAX_BUFFERED = 50_000


def document_day(collection: str, document: dict[str, Any]) -> str:
    """The UTC day a document belongs to, read from the field the API filters on.

    Entries' ``date`` is taken as epoch ms even when an uploader wrote seconds (that lands in 1970,
    as the site itself would show it); repairing it is the staging layer's job, not the raw zone's.
    Documents without a usable time go to ``date=unknown``: kept, never dropped.
    """
    value = document.get(_TIME_FIELD[collection])
    if collection == "entries":
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return datetime.fromtimestamp(value / 1000, UTC).date().isoformat()
            except (OverflowError, OSError, ValueError):
                return UNKNOWN_DAY
        return UNKNOWN_DAY
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return UNKNOWN_DAY
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).date().isoformat()
    return UNKNOWN_DAY


@dataclass
class WriteStats:
    """What a writer did."""

    documents_written: int = 0
    documents_already_stored: int = 0
    files_written: int = 0
    bytes_written: int = 0
    days: set[str] = field(default_factory=set)


class RawPartitionWriter:
    """Buffers one source's documents of one collection per UTC day and writes whole files."""

    def __init__(self, lake: Lake, *, collection: str, source_id: str, batch_id: str) -> None:
        """Prepare a writer; nothing touches the lake until a flush."""
        if collection not in COLLECTIONS:
            raise ValueError(f"unknown collection {collection!r}")
        self._lake = lake
        self._collection = collection
        self._source_id = source_id
        self._batch_id = batch_id
        self._buffers: dict[str, dict[str, tuple[dict[str, Any], str, datetime]]] = {}
        self._file_numbers: dict[str, int] = {}
        self._compacted: dict[str, list[pa.Table]] = {}
        self.stats = WriteStats()

    def add(self, documents: Iterable[dict[str, Any]], *, fetched_at: datetime) -> None:
        """Buffer documents fetched at ``fetched_at``; byte-identical repeats are kept once."""
        for document in documents:
            day = document_day(self._collection, document)
            text = canonical_json(document)
            buffer = self._buffers.setdefault(day, {})
            buffer.setdefault(text, (document, text, fetched_at))
            if len(buffer) >= _MAX_BUFFERED:
                self.flush(day)

    def buffered_days(self) -> list[str]:
        """Days that hold buffered documents."""
        return sorted(self._buffers)

    def flush_days_after(self, day: str) -> None:
        """Write every buffered day strictly after ``day`` (ISO days sort as strings).

        The ingest walks a site newest first, so once it has seen a document of ``day`` no
        later day can receive more documents in this walk: they are complete and can be written.
        """
        for buffered in self.buffered_days():
            if buffered != UNKNOWN_DAY and buffered > day:
                self.flush(buffered)

    def close(self) -> WriteStats:
        """Write everything still buffered and return the statistics."""
        for day in self.buffered_days():
            self.flush(day)
        return self.stats

    def flush(self, day: str) -> None:
        """Write the buffered documents of ``day`` that the partition does not already hold."""
        buffer = self._buffers.pop(day, {})
        if not buffer:
            return
        folder = day_dir(self._collection, self._source_id, day)
        stored = self._stored_documents(day, buffer)
        fresh = [triple for text, triple in buffer.items() if text not in stored]
        self.stats.documents_already_stored += len(buffer) - len(fresh)
        if not fresh:
            return
        fresh.sort(key=lambda triple: sort_key(triple[0], triple[1]))
        number = self._file_numbers.get(day, 0)
        self._file_numbers[day] = number + 1
        data = to_parquet_bytes(
            encode_documents(
                fresh,
                source_id=self._source_id,
                batch_id=self._batch_id,
                keep_text=self._collection in TEXT_COLLECTIONS,
            )
        )
        self._lake.put_atomic(f"{folder}/{self._batch_id}-{number:04d}.parquet", data)
        self.stats.documents_written += len(fresh)
        self.stats.files_written += 1
        self.stats.bytes_written += len(data)
        self.stats.days.add(day)

    def _stored_documents(
        self, day: str, buffer: dict[str, tuple[dict[str, Any], str, datetime]]
    ) -> set[str]:
        """Which of ``buffer``'s texts the day's partition, or its compacted month, holds."""
        folder = day_dir(self._collection, self._source_id, day)
        tables = [self._lake.read_parquet(path) for path in self._lake.list_files(folder)]
        if day != UNKNOWN_DAY:
            month = day[:7]
            if month not in self._compacted:
                # Read once per month: a backfill flushes that month's days one by one.
                files = self._lake.list_files(month_dir(self._collection, self._source_id, month))
                self._compacted[month] = [self._lake.read_parquet(path) for path in files]
            tables += self._compacted[month]
        ids = [document.get("_id") for document, _, _ in buffer.values()]
        return {text for table in tables for text in _texts_of_ids(table, ids)} & buffer.keys()


def stored_texts(
    lake: Lake, collection: str, source_id: str, *, day: str | None = None
) -> Iterator[str]:
    """Every document the zone holds for one source and collection, as its JSON text.

    In partition order, then file and row order; with ``day``, only that UTC day's documents
    (its day partition, and its share of a compacted month).
    """
    folder = source_dir(collection, source_id)
    partitions = lake.list_dirs(folder)
    if day is not None:
        partitions = [
            p for p in partitions if p in {f"{DAY_PREFIX}{day}", f"{MONTH_PREFIX}{day[:7]}"}
        ]
    for partition in partitions:
        # A month file holds every day of its month: keep the asked day's documents only.
        sift = day is not None and partition.startswith(MONTH_PREFIX)
        for path in lake.list_files(f"{folder}/{partition}"):
            for text in document_texts(lake.read_parquet(path)):
                if not sift or document_day(collection, json.loads(text)) == day:
                    yield text


def _texts_of_ids(table: pa.Table, ids: list[Any]) -> list[str]:
    """The document texts of ``table``'s rows whose ``_id`` is one of ``ids`` (a superset).

    Rebuilding a document from its shape costs far more than reading its ``_id``: a refresh
    re-fetches a few documents into partitions that hold hundreds, so only the rows that could
    be one of them are rebuilt. Without a text ``_id`` on both sides, every row is.
    """
    column = table.column("_id") if "_id" in table.column_names else None
    if (
        column is None
        or not pa.types.is_string(column.type)
        or not all(isinstance(i, str) for i in ids)
    ):
        return document_texts(table)
    return document_texts(table.filter(pc.is_in(column, value_set=pa.array(ids, pa.string()))))
