"""Per source and collection: how far the raw zone is known to be complete.

The watermark is written only after a whole walk of a collection succeeded, so a killed run can
never make the next run skip data it did not fetch; it only makes it fetch some of it again, which
the raw zone absorbs without storing anything twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from glucolake.lake.storage import Lake

__all__ = ["Watermark", "read_watermark", "write_watermark"]


@dataclass(frozen=True, kw_only=True)
class Watermark:
    """The newest document time (epoch ms, never in the future) a complete walk has stored."""

    newest_ms: int
    batch_id: str
    updated_at: str


def _path(source_id: str, collection: str) -> str:
    return f"state/ingest/source={source_id}/{collection}.json"


def read_watermark(lake: Lake, source_id: str, collection: str) -> Watermark | None:
    """The stored watermark, or ``None`` when the collection was never completely ingested."""
    data = lake.get(_path(source_id, collection))
    if data is None:
        return None
    payload = json.loads(data)
    return Watermark(
        newest_ms=int(payload["newest_ms"]),
        batch_id=str(payload["batch_id"]),
        updated_at=str(payload["updated_at"]),
    )


def write_watermark(lake: Lake, source_id: str, collection: str, watermark: Watermark) -> None:
    """Store the watermark atomically."""
    lake.put_atomic(_path(source_id, collection), json.dumps(asdict(watermark)).encode())
