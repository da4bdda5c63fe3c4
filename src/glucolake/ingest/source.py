"""Ingest one Nightscout source: credentials, profile and time zone, then every collection."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from glucolake.ingest.snapshot import write_source_snapshot
from glucolake.ingest.state import Watermark, read_watermark, write_watermark
from glucolake.ingest.timezone import resolve_timezone
from glucolake.ingest.walk import COLLECTION_SPECS, CollectionSpec, parse_time_ms, walk
from glucolake.lake.changes import ChangeRecord, record_change
from glucolake.lake.compaction import (
    CompactionStats,
    compact_closed_months,
    compact_crowded_days,
)
from glucolake.lake.raw import RawPartitionWriter, WriteStats
from glucolake.logs import fields, get_logger
from glucolake.nightscout.errors import AuthError, FetchError, NightscoutError

if TYPE_CHECKING:
    from collections.abc import Callable

    from glucolake.lake.storage import Lake
    from glucolake.nightscout.client import NightscoutClient

__all__ = ["IngestOptions", "SourceResult", "ingest_source"]

log = get_logger(__name__)

HOUR_MS = 3_600_000
# Epoch values below this are seconds written by a buggy uploader, not milliseconds (1973 in ms).
SECONDS_LIMIT = 100_000_000_000


@dataclass(frozen=True, kw_only=True)
class IngestOptions:
    """What to fetch."""

    since_ms: int | None = None
    """Fetch only documents at or after this time; with it, watermarks are left alone."""
    until_ms: int | None = None
    """Fetch only documents before this time; with it, watermarks are left alone."""
    overlap_ms: int = 6 * HOUR_MS
    """Incremental runs re-read this much before the watermark, for late (backfilled) uploads."""
    collections: tuple[str, ...] = ("entries", "treatments", "devicestatus")

    @property
    def explicit_window(self) -> bool:
        """Whether the user narrowed the period (then the run is a backfill, not a refresh)."""
        return self.since_ms is not None or self.until_ms is not None


@dataclass(kw_only=True)
class SourceResult:
    """The outcome of one source."""

    source_id: str
    error: str | None = None
    timezone: str | None = None
    timezone_origin: str | None = None
    written: dict[str, WriteStats] = field(default_factory=dict)
    fetched: dict[str, int] = field(default_factory=dict)
    received_bytes: dict[str, int] = field(default_factory=dict)
    """JSON bytes the site sent per collection (what the raw zone's compression is measured on)."""
    requests: int = 0
    retries: int = 0
    bytes_received: int = 0

    @property
    def ok(self) -> bool:
        """Whether the source was ingested completely."""
        return self.error is None


def ingest_source(
    client: NightscoutClient,
    lake: Lake,
    options: IngestOptions,
    *,
    batch_id: str,
    on_page: Callable[[str, int], None] = lambda _collection, _n: None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SourceResult:
    """Fetch one source into the raw zone; never raises for the site's faults, reports them."""
    source = client.source
    result = SourceResult(source_id=source.id)
    try:
        _verify_credentials(client)
        before = client.stats.bytes_received
        profiles = client.get_json("profile.json", {"count": 1000})
        if not isinstance(profiles, list):
            raise FetchError(source.id, "profile.json did not answer a list")
        writer = RawPartitionWriter(
            lake, collection="profile", source_id=source.id, batch_id=batch_id
        )
        writer.add([p for p in profiles if isinstance(p, dict)], fetched_at=now())
        result.written["profile"] = writer.close()
        result.received_bytes["profile"] = client.stats.bytes_received - before
        result.timezone, result.timezone_origin = resolve_timezone(source, profiles)
        write_source_snapshot(
            lake,
            source,
            timezone=result.timezone,
            origin=result.timezone_origin,
            batch_id=batch_id,
            fetched_at=now(),
        )
        for name in options.collections:
            spec = COLLECTION_SPECS[name]
            before = client.stats.bytes_received
            fetched, written = _ingest_collection(
                client, lake, spec, options, batch_id=batch_id, on_page=on_page, now=now
            )
            result.fetched[name] = fetched
            result.written[name] = written
            result.received_bytes[name] = client.stats.bytes_received - before
    except NightscoutError as exc:
        result.error = str(exc)
    finally:
        result.requests = client.stats.requests
        result.retries = client.stats.retries
        result.bytes_received = client.stats.bytes_received
    return result


def _verify_credentials(client: NightscoutClient) -> None:
    """With credentials configured, make sure the site accepts them before reading anything.

    Under ``AUTH_DEFAULT_ROLES=readable`` a wrong secret still reads public data; we would rather
    say the secret is wrong than ingest as an anonymous reader without noticing.
    """
    source = client.source
    if source.api_secret is None and source.token is None:
        return
    try:
        body: Any = client.get_json("verifyauth")
    except FetchError:
        return  # very old servers lack the endpoint; the data requests will tell
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, dict):
        message = message.get("message")
    if message != "OK":
        kind = "token" if source.token is not None else "API secret"
        raise AuthError(
            source.id, f"the site did not accept the {kind} from ${source.credential_env}"
        )


def _ingest_collection(
    client: NightscoutClient,
    lake: Lake,
    spec: CollectionSpec,
    options: IngestOptions,
    *,
    batch_id: str,
    on_page: Callable[[str, int], None],
    now: Callable[[], datetime],
) -> tuple[int, WriteStats]:
    source_id = client.source.id
    started = now()
    watermark = None if options.explicit_window else read_watermark(lake, source_id, spec.name)
    if options.explicit_window:
        windows = [(options.since_ms or 0, options.until_ms)]
    elif watermark is None:
        windows = [(0, None)]  # the whole history, however old its newest document is
    else:
        lower = max(0, watermark.newest_ms - options.overlap_ms)
        windows = [(lower, None)]
        if spec.numeric_time:
            # New seconds-dated entries sort far below the watermark; look for them too.
            windows.append((lower // 1000, SECONDS_LIMIT))
    # Before any write: tell transform which days this walk may change (all, for a first walk).
    # The first window is the one that reaches lowest in real time; seconds-dated entries land
    # in 1970 partitions, which transform always reads.
    lowest = windows[0][0]
    record_change(
        lake,
        ChangeRecord(
            batch_id=batch_id,
            source_id=source_id,
            collection=spec.name,
            from_day=_day(lowest) if lowest else None,
        ),
    )
    writer = RawPartitionWriter(lake, collection=spec.name, source_id=source_id, batch_id=batch_id)
    fetched = 0
    newest = watermark.newest_ms if watermark else None
    limit_ms = started.timestamp() * 1000
    try:
        for lower_ms, upper_ms in windows:
            for page in walk(client, spec, lower_ms=lower_ms, upper_ms=upper_ms):
                writer.add(page, fetched_at=now())
                times = [t for t in (parse_time_ms(spec, d) for d in page) if t is not None]
                if times:
                    writer.flush_days_after(_day(min(times)))
                trusted = [t for t in times if SECONDS_LIMIT <= t <= limit_ms]
                if trusted:
                    newest = max(newest or 0, int(max(trusted)))
                fetched += len(page)
                on_page(spec.name, len(page))
    finally:
        # What was fetched is kept, even when the walk failed half-way; only the watermark
        # waits for a complete walk.
        stats = writer.close()
    # Each refresh adds a file to the day it fetched: keep a day's partition to a few files.
    _log_compaction(
        "days_compacted",
        source_id,
        spec.name,
        compact_crowded_days(lake, spec.name, source_id, stats.days, batch_id=batch_id),
    )
    if not options.explicit_window and newest is not None:
        write_watermark(
            lake,
            source_id,
            spec.name,
            Watermark(newest_ms=newest, batch_id=batch_id, updated_at=now().isoformat()),
        )
        # Only after a complete refresh: a backfill may still be filling an old month.
        compacted = compact_closed_months(
            lake,
            spec.name,
            source_id,
            newest_day=datetime.fromtimestamp(newest / 1000, UTC).date(),
            batch_id=batch_id,
        )
        _log_compaction("months_compacted", source_id, spec.name, compacted)
    log.info(
        "collection_ingested",
        extra=fields(
            source=source_id,
            collection=spec.name,
            fetched=fetched,
            written=stats.documents_written,
            already_stored=stats.documents_already_stored,
            files=stats.files_written,
        ),
    )
    return fetched, stats


def _log_compaction(event: str, source_id: str, collection: str, stats: CompactionStats) -> None:
    if stats.files_merged:
        log.info(
            event,
            extra=fields(
                source=source_id,
                collection=collection,
                months=stats.months,
                days=stats.days,
                files_merged=stats.files_merged,
                documents=stats.documents,
                bytes=stats.bytes_written,
            ),
        )


def _day(epoch_ms: float) -> str:
    try:
        return datetime.fromtimestamp(epoch_ms / 1000, UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return "0000-00-00"
