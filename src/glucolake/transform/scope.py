"""Which raw files a lake build reads: all of them, or only what changed (``lake/changes.py``).

An incremental build reads, per changed source, the raw partitions from two UTC days before the
first changed day (the first rebuilt local day and the reading before it), plus the partitions
that are not calendar days (``date=unknown``, and 1970 for seconds-dated entries) where
duplicates of any day may hide. A compacted month (``month=YYYY-MM``) is read whole when one of
its days is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glucolake.lake.raw_layout import (
    COLLECTIONS,
    DAY_PREFIX,
    MONTH_PREFIX,
    month_of_partition,
    source_dir,
)

if TYPE_CHECKING:
    from glucolake.lake.changes import Scope
    from glucolake.lake.storage import Lake

__all__ = ["dbt_scope_vars", "full_raw_paths"]

# What `read_parquet` gets when a collection has nothing to read: a glob that matches no file,
# which the staging models turn into an empty relation.
_NO_SOURCE = "__nothing__"
_BEFORE_2000 = "19"  # seconds-dated entries, read as ms: duplicates of any day


def full_raw_paths(lake_uri: str) -> dict[str, str]:
    """``read_parquet`` arguments for every raw file of each collection (a full build)."""
    return {
        collection: _quote(f"{lake_uri}/{source_dir(collection, '*')}/*/*.parquet")
        for collection in COLLECTIONS
    }


def dbt_scope_vars(lake: Lake, lake_uri: str, scope: Scope) -> dict[str, object]:
    """The dbt vars of a build: ``scope`` and the raw files it reads (``raw_paths``)."""
    if scope.full:
        return {"scope": None, "raw_paths": full_raw_paths(lake_uri)}
    paths = full_raw_paths(lake_uri)
    for collection in ("entries", "treatments", "devicestatus"):
        files = [
            f"{lake_uri}/{relpath}"
            for source_id in sorted(scope.sources)
            for relpath in _source_files(lake, collection, source_id, scope.read_from(source_id))
        ]
        nothing = f"{lake_uri}/{source_dir(collection, _NO_SOURCE)}/*.parquet"
        paths[collection] = (
            "[" + ", ".join(_quote(f) for f in files) + "]" if files else _quote(nothing)
        )
    return {"scope": scope.dbt_scope(), "raw_paths": paths}


def _source_files(lake: Lake, collection: str, source_id: str, from_day: str | None) -> list[str]:
    folder = source_dir(collection, source_id)
    files: list[str] = []
    for partition in lake.list_dirs(folder):
        if _holds_days_from(partition, from_day):
            files.extend(lake.list_files(f"{folder}/{partition}"))
    return files


def _holds_days_from(partition: str, from_day: str | None) -> bool:
    """Whether a raw partition may hold documents of ``from_day`` or later (or duplicates)."""
    month = month_of_partition(partition)
    if from_day is None or month is None or month.startswith(_BEFORE_2000):
        return True  # a full read, date=unknown, or seconds-dated entries
    if partition.startswith(MONTH_PREFIX):
        return month >= from_day[:7]
    return partition.removeprefix(DAY_PREFIX) >= from_day


def _quote(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"
