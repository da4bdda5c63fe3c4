"""Walking a Nightscout collection newest first, page by page, without skipping a document.

The API's traps, and how the walk avoids them:
- without a date filter the server returns only the last 4 days: every request carries one;
- results come newest first and ``count`` must be explicit: we page downwards with a cursor
  (``$lt``) set just above the oldest time of the previous page;
- several documents can share a time (two uploaders, the same millisecond): the cursor re-includes
  the boundary and the previous page's ids filter the repeats; a page made only of one time is
  fetched again whole with an exact range;
- ``find[date]`` is ``parseInt``'d by the server, so fractional milliseconds are matched through
  integer bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from glucolake.nightscout.errors import FetchError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from glucolake.nightscout.client import NightscoutClient, Params

__all__ = [
    "COLLECTION_SPECS",
    "CollectionSpec",
    "iso_ms",
    "parse_time_ms",
    "walk",
]

# A page made of a single time is re-fetched with this count: larger than any real burst.
_EXACT_COUNT = 1_000_000


@dataclass(frozen=True, kw_only=True)
class CollectionSpec:
    """How one collection is dated and paged."""

    name: str
    endpoint: str
    time_field: str
    numeric_time: bool
    page_size: int


COLLECTION_SPECS = {
    spec.name: spec
    for spec in (
        CollectionSpec(
            name="entries",
            endpoint="entries.json",
            time_field="date",
            numeric_time=True,
            page_size=10_000,
        ),
        CollectionSpec(
            name="treatments",
            endpoint="treatments.json",
            time_field="created_at",
            numeric_time=False,
            page_size=5_000,
        ),
        CollectionSpec(
            name="devicestatus",
            endpoint="devicestatus.json",
            time_field="created_at",
            numeric_time=False,
            page_size=2_000,
        ),
    )
}


def iso_ms(epoch_ms: int) -> str:
    """Epoch milliseconds as the UTC ISO form Nightscout stores (``2024-01-02T03:04:05.678Z``)."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=epoch_ms)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time_ms(spec: CollectionSpec, document: dict[str, Any]) -> float | None:
    """The document's time as epoch ms, or ``None`` when it has no usable time."""
    value = document.get(spec.time_field)
    if spec.numeric_time:
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        return None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp() * 1000


def walk(
    client: NightscoutClient,
    spec: CollectionSpec,
    *,
    lower_ms: int,
    upper_ms: int | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Yield pages of new documents, newest first, with time in ``[lower_ms, upper_ms)``.

    Without ``upper_ms`` the walk starts at the newest document, future-dated ones included.
    """
    # Times are epoch ms; created_at cursors step by a whole second because stored strings may
    # lack milliseconds ("…:18Z" sorts after "…:18.000Z").
    step = 1 if spec.numeric_time else 1000
    cursor = upper_ms
    seen: set[str] = set()
    while True:
        page = _fetch(client, spec, lower_ms, cursor, spec.page_size)
        fresh = [d for d in page if _identity(d) not in seen]
        if fresh:
            yield fresh
        if len(page) < spec.page_size:
            return  # the server had nothing more in range
        boundary = _oldest_ms(client, spec, page)
        seen = {_identity(d) for d in page}
        next_cursor = boundary + step
        if cursor is not None and next_cursor >= cursor:
            # The page sits on one time: fetch that time whole, then continue strictly below it.
            exact = _fetch(client, spec, boundary, cursor, _EXACT_COUNT)
            extra = [d for d in exact if _identity(d) not in seen]
            if extra:
                yield extra
            seen = set()
            next_cursor = boundary
        cursor = next_cursor
        if cursor <= lower_ms:
            return


def _oldest_ms(client: NightscoutClient, spec: CollectionSpec, page: list[dict[str, Any]]) -> int:
    times = [t for t in (parse_time_ms(spec, d) for d in page) if t is not None]
    if not times:
        raise FetchError(
            client.source.id,
            f"{spec.endpoint} returned a full page without a usable {spec.time_field}",
        )
    return math.floor(min(times))


def _fetch(
    client: NightscoutClient,
    spec: CollectionSpec,
    lower_ms: int,
    upper_ms: int | None,
    count: int,
) -> list[dict[str, Any]]:
    params: Params = {f"find[{spec.time_field}][$gte]": _bound(spec, lower_ms), "count": count}
    if upper_ms is not None:
        params[f"find[{spec.time_field}][$lt]"] = _bound(spec, upper_ms)
    body = client.get_json(spec.endpoint, params)
    if not isinstance(body, list) or not all(isinstance(d, dict) for d in body):
        raise FetchError(client.source.id, f"{spec.endpoint} did not answer a list of documents")
    return body


def _bound(spec: CollectionSpec, epoch_ms: int) -> str | int:
    return epoch_ms if spec.numeric_time else iso_ms(epoch_ms)


def _identity(document: dict[str, Any]) -> str:
    identifier = document.get("_id")
    return str(identifier) if identifier is not None else repr(sorted(document.items(), key=str))
