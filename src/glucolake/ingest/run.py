"""Ingest a cohort: every source concurrently (bounded), failures isolated per source."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from glucolake.ingest.source import IngestOptions, SourceResult, ingest_source
from glucolake.nightscout.client import HttpNightscoutClient

if TYPE_CHECKING:
    from collections.abc import Callable

    from glucolake.ingest.progress import Reporter
    from glucolake.lake.storage import Lake
    from glucolake.nightscout.client import NightscoutClient
    from glucolake.settings import Source

__all__ = ["new_batch_id", "run_ingest"]


def new_batch_id(now: datetime | None = None) -> str:
    """A sortable, unique batch id: ``20261126T183000Z-1a2b3c``."""
    moment = now or datetime.now(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def run_ingest(
    sources: tuple[Source, ...],
    lake: Lake,
    options: IngestOptions,
    reporter: Reporter,
    *,
    concurrency: int = 4,
    client_factory: Callable[[Source], NightscoutClient] = HttpNightscoutClient,
) -> list[SourceResult]:
    """Ingest every source; return one result per source, in the order given."""
    batch_id = new_batch_id()

    def one(source: Source) -> SourceResult:
        reporter.started(source.id)
        client = client_factory(source)
        try:
            result = ingest_source(
                client,
                lake,
                options,
                batch_id=batch_id,
                on_page=lambda collection, n: reporter.page(source.id, collection, n),
            )
        finally:
            close = getattr(client, "close", None)
            if callable(close):
                close()
        reporter.finished(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(sources)))) as pool:
        return list(pool.map(one, sources))
