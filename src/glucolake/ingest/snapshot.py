"""A record of how each source was configured when it was ingested (no secrets, ever).

Downstream layers need a source's time zone; the sources file is not in the lake, so every ingest
writes what it resolved next to the data, at ``raw/glucolake/sources/source=<id>/<batch>.parquet``,
but only when something changed since the last record.

A new time zone moves every reading of the source to other local days, and some to other local
months: the partitions of the old ones would keep stale copies through an incremental build. So
it asks transform for a full build, recorded before the new setting is (as ingest records the
days a walk may change before writing them): a kill in between rebuilds, never skips.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from glucolake import __version__
from glucolake.lake.changes import ChangeRecord, record_change
from glucolake.settings import redacted_url

if TYPE_CHECKING:
    from datetime import datetime

    from glucolake.lake.storage import Lake
    from glucolake.settings import Source

__all__ = ["write_source_snapshot"]

_COMPARED = ("source_id", "url", "configured_timezone", "timezone", "timezone_origin")


def write_source_snapshot(
    lake: Lake,
    source: Source,
    *,
    timezone: str,
    origin: str,
    batch_id: str,
    fetched_at: datetime,
) -> None:
    """Record the source's resolved settings if they differ from the latest record."""
    row = {
        "source_id": source.id,
        "url": redacted_url(source.url),
        "configured_timezone": source.timezone,
        "timezone": timezone,
        "timezone_origin": origin,
        "batch_id": batch_id,
        "fetched_at": fetched_at,
        "glucolake_version": __version__,
    }
    folder = f"raw/glucolake/sources/source={source.id}"
    existing = lake.list_files(folder)
    if existing:
        latest = lake.read_parquet(existing[-1]).to_pylist()[0]
        if all(latest.get(key) == row[key] for key in _COMPARED):
            return
        if latest.get("timezone") != timezone:
            record_change(
                lake,
                ChangeRecord(
                    batch_id=batch_id,
                    source_id=source.id,
                    collection="sources",
                    from_day=None,
                    full=True,
                ),
            )
    schema = pa.schema(
        [  # type: ignore[arg-type]  # the stubs reject (name, type) tuples, pyarrow accepts them
            ("source_id", pa.string()),
            ("url", pa.string()),
            ("configured_timezone", pa.string()),
            ("timezone", pa.string()),
            ("timezone_origin", pa.string()),
            ("batch_id", pa.string()),
            ("fetched_at", pa.timestamp("ms", tz="UTC")),
            ("glucolake_version", pa.string()),
        ]
    )
    lake.put_parquet(f"{folder}/{batch_id}.parquet", pa.Table.from_pylist([row], schema=schema))
