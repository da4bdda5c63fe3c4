"""How ingest shows what it is doing: progress bars on a terminal, JSON events elsewhere."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol, Self

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from glucolake.logs import fields, get_logger

if TYPE_CHECKING:
    from types import TracebackType

    from glucolake.ingest.source import SourceResult

__all__ = ["LogReporter", "Reporter", "TerminalReporter"]

log = get_logger(__name__)


class Reporter(Protocol):
    """Receives ingest events; implementations must be thread-safe."""

    def started(self, source_id: str) -> None:
        """A source began."""

    def page(self, source_id: str, collection: str, documents: int) -> None:
        """A page of ``documents`` new documents arrived."""

    def finished(self, result: SourceResult) -> None:
        """A source ended, well or badly."""


def _finished_fields(result: SourceResult) -> dict[str, object]:
    return {
        "source": result.source_id,
        "timezone": result.timezone,
        "fetched": result.fetched,
        "written": {k: v.documents_written for k, v in result.written.items()},
        "parquet_bytes": {k: v.bytes_written for k, v in result.written.items()},
        "received_bytes": result.received_bytes,
        "requests": result.requests,
        "retries": result.retries,
    }


class LogReporter:
    """One JSON log line per event (pods, CI, pipes)."""

    def started(self, source_id: str) -> None:
        """Log the start."""
        log.info("source_started", extra=fields(source=source_id))

    def page(self, source_id: str, collection: str, documents: int) -> None:
        """Log a page."""
        log.info(
            "page_fetched",
            extra=fields(source=source_id, collection=collection, documents=documents),
        )

    def finished(self, result: SourceResult) -> None:
        """Log the outcome; a failure is one error line naming the source."""
        if result.ok:
            log.info("source_ingested", extra=fields(**_finished_fields(result)))
        else:
            log.error(result.error or "failed", extra=fields(source=result.source_id))


class TerminalReporter:
    """A live progress line per source (documents fetched so far, per collection)."""

    def __init__(self, console: Console | None = None) -> None:
        """Prepare the progress display; use as a context manager."""
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.fields[source]:<16}"),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
        )
        self._tasks: dict[str, TaskID] = {}
        self._counts: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Self:
        """Show the bars."""
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the live display."""
        self._progress.stop()

    def started(self, source_id: str) -> None:
        """Add a line for the source."""
        with self._lock:
            self._counts[source_id] = {}
            self._tasks[source_id] = self._progress.add_task(
                "starting", total=None, source=source_id
            )

    def page(self, source_id: str, collection: str, documents: int) -> None:
        """Update the source's counts."""
        with self._lock:
            counts = self._counts[source_id]
            counts[collection] = counts.get(collection, 0) + documents
            text = "  ".join(f"{name} {n:,}" for name, n in counts.items())
            self._progress.update(self._tasks[source_id], description=text)

    def finished(self, result: SourceResult) -> None:
        """Mark the line done or failed."""
        with self._lock:
            task = self._tasks[result.source_id]
            if result.ok:
                written = sum(s.documents_written for s in result.written.values())
                text = f"[green]done[/]  {written:,} new documents  tz {result.timezone}"
            else:
                text = f"[red]failed[/]  {result.error}"
            self._progress.update(task, description=text, total=1, completed=1)
