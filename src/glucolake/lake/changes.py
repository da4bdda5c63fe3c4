"""What changed in the raw zone since the lake and the warehouse were last built.

Incremental runs rebuild only what new documents can have changed, so a refresh costs the same
on a week of history as on years of it. The hand-over is a folder of small change records:

- ``glucolake ingest`` writes ``state/changes/pending/<batch>--<source>--<collection>.json``
  *before* it walks a collection, naming the first UTC day it may write to (or every day, for a
  first walk). Intent first: a run killed half-way has already said what it may have touched.
- ``glucolake transform`` rebuilds the pending sources from those days, then moves the records
  to ``state/changes/built/``; it records a full build there too.
- ``glucolake publish`` loads what the built records name into the warehouse, then deletes them.

A step that fails or is killed leaves its records where they were, so the next run redoes its
work; every step replaces whole days, so redoing is harmless.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from glucolake.lake.storage import LakeError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from glucolake.lake.storage import Lake

__all__ = [
    "BUILT",
    "PENDING",
    "ChangeRecord",
    "Scope",
    "read_scope",
    "record_change",
    "settle",
]

PENDING = "state/changes/pending"
BUILT = "state/changes/built"
# Written once the lake's models were built from all of the raw zone: from then on, transform
# may build incrementally.
_LAKE_BUILT = "state/changes/lake-built.json"


@dataclass(frozen=True, kw_only=True)
class ChangeRecord:
    """One source's collection may have changed from ``from_day`` (UTC) on; ``None``: all days."""

    batch_id: str
    source_id: str
    collection: str
    from_day: str | None
    full: bool = False
    """A full build: every source, every day (after a full build, or a source's new time zone)."""

    @property
    def name(self) -> str:
        """The record's file name, unique per batch, source and collection."""
        return f"{self.batch_id}--{self.source_id}--{self.collection}.json"


@dataclass(frozen=True, kw_only=True)
class Scope:
    """What an incremental step rebuilds, read from the change records."""

    full: bool
    """Rebuild everything (first build, ``--full-refresh``, or a full build upstream)."""
    sources: Mapping[str, str | None]
    """Per changed source: the first UTC day that may have changed, ``None`` for all days."""
    records: tuple[str, ...]
    """The record files this scope covers (settled once the step succeeded)."""

    @property
    def empty(self) -> bool:
        """Nothing to rebuild."""
        return not self.full and not self.sources

    def output_from(self, source_id: str) -> str | None:
        """The first *local* day to rebuild: a UTC day touches the local day before it, too."""
        return _days_before(self.sources[source_id], 1)

    def read_from(self, source_id: str) -> str | None:
        """The first UTC day of raw data to read: the output's first local day needs its eve.

        Local day D starts as early as D-1 10:00 UTC (UTC+14), and its first rate of change needs
        the reading before that.
        """
        return _days_before(self.sources[source_id], 2)

    def dbt_scope(self) -> dict[str, str | None] | None:
        """The ``scope`` dbt var: first local day to rebuild per source; ``None`` when full."""
        if self.full:
            return None
        return {source_id: self.output_from(source_id) for source_id in sorted(self.sources)}


def record_change(lake: Lake, record: ChangeRecord) -> None:
    """Say, before writing, that a source's collection may change from a day on."""
    _write(lake, PENDING, record)


def read_scope(lake: Lake, stage: str, *, full_refresh: bool = False) -> Scope:
    """The scope of the records in ``stage`` (``PENDING`` for transform, ``BUILT`` for publish).

    Transform builds everything when the lake was never fully built; publish when a full build
    is among its records.
    """
    names = lake.list_files(stage, suffix=".json")
    records = [_read(lake, name) for name in names]
    sources: dict[str, str | None] = {}
    for record in records:
        if record.full:
            continue
        if record.source_id in sources and sources[record.source_id] is None:
            continue
        known = sources.get(record.source_id, record.from_day)
        sources[record.source_id] = (
            None if record.from_day is None or known is None else min(known, record.from_day)
        )
    full = full_refresh or any(record.full for record in records)
    if stage == PENDING and lake.get(_LAKE_BUILT) is None:
        full = True
    return Scope(full=full, sources=sources, records=tuple(names))


def settle(lake: Lake, scope: Scope, *, stage: str, batch_id: str) -> None:
    """After a successful step: hand the records to the next step (or drop them after publish).

    The next step's records are written before this step's are deleted, so a kill in between
    makes a step redo work, never skip it.
    """
    if stage == PENDING:
        if scope.full:
            lake.put_atomic(_LAKE_BUILT, json.dumps({"batch_id": batch_id}).encode())
            everything = ChangeRecord(
                batch_id=batch_id, source_id="all", collection="all", from_day=None, full=True
            )
            _write(lake, BUILT, everything)
        for name in scope.records:
            data = lake.get(name)
            if data is not None:
                lake.put_atomic(f"{BUILT}/{name.rsplit('/', 1)[-1]}", data)
    _delete(lake, scope.records)


def _days_before(day: str | None, days: int) -> str | None:
    return None if day is None else (date.fromisoformat(day) - timedelta(days=days)).isoformat()


def _write(lake: Lake, stage: str, record: ChangeRecord) -> None:
    lake.put_atomic(f"{stage}/{record.name}", json.dumps(asdict(record)).encode())


def _read(lake: Lake, name: str) -> ChangeRecord:
    data = lake.get(name)
    try:
        payload = json.loads(data or b"")
        return ChangeRecord(
            batch_id=str(payload["batch_id"]),
            source_id=str(payload["source_id"]),
            collection=str(payload["collection"]),
            from_day=None if payload["from_day"] is None else str(payload["from_day"]),
            full=bool(payload.get("full", False)),
        )
    except (ValueError, KeyError, TypeError):
        raise LakeError(f"lake {lake.uri}: change record {name} is unreadable") from None


def _delete(lake: Lake, names: Iterable[str]) -> None:
    for name in names:
        lake.delete(name)
