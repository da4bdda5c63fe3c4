"""Ingest throughput and raw-zone compression, against `glucolake simulate` over HTTP."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from benchmarks.measure import Summary, home_environment, run_measured, summarise
from glucolake.lake.raw_encoding import document_texts

if TYPE_CHECKING:
    from collections.abc import Iterator

FROZEN_NOW = "2026-11-01T12:00:00+00:00"
COLLECTIONS = ("entries", "treatments", "devicestatus", "profile")


@dataclass(frozen=True)
class IngestNumbers:
    """What one cohort's ingest benchmark measured."""

    sources: int
    days: int
    entries: int
    documents: int
    full_seconds: Summary
    full_peak_mb: Summary
    refresh_seconds: Summary
    readings_per_second: Summary
    received_bytes: dict[str, int]
    parquet_bytes: dict[str, int]
    # The closed months' files alone, as a lake holding years is: JSON text ÷ Parquet bytes.
    month_json_bytes: int
    month_parquet_bytes: int


@contextmanager
def simulator(
    sources: int, days: int, workdir: Path, *, now: str = FROZEN_NOW, seed: int = 1, port: int = 0
) -> Iterator[Path]:
    """Run `glucolake simulate` in its own process; yield the cohort file it writes.

    ``port`` 0 takes any free port: the sites' URLs then change from one simulator to the next.
    """
    cohort = workdir / "sources.yaml"
    cohort.unlink(missing_ok=True)  # a previous simulator's file names its old port
    log = (workdir / "simulator.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "glucolake",
            "simulate",
            "--sources",
            str(sources),
            "--days",
            str(days),
            "--seed",
            str(seed),
            "--now",
            now,
            "--port",
            str(port),
            "--write-sources",
            str(cohort),
        ],
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 600
        while not (cohort.exists() and cohort.stat().st_size):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"simulator did not start: {(workdir / 'simulator.log').read_text()}"
                )
            time.sleep(0.2)
        yield cohort
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        log.close()


def _ingest(cohort: Path, home: Path) -> tuple[float, float, list[dict[str, Any]]]:
    env = home_environment(home)
    result = run_measured(
        [sys.executable, "-m", "glucolake", "ingest", "--sources", str(cohort), "--json-logs"],
        env=env,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ingest failed:\n{result.stderr[-3000:]}")
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    return (
        result.seconds,
        result.peak_rss_mb,
        [e for e in events if e["event"] == "source_ingested"],
    )


def _zone_bytes(home: Path) -> dict[str, int]:
    """What the raw zone holds on disk per collection, after ingest compacted closed months."""
    return {
        collection: sum(
            f.stat().st_size for f in (home / "lake/raw/nightscout" / collection).rglob("*.parquet")
        )
        for collection in COLLECTIONS
    }


def _month_files_bytes(home: Path) -> tuple[int, int]:
    """JSON bytes of the documents in compacted month files, and those files' bytes.

    The JSON is each document's text as stored, plus one byte for the comma between documents
    of a response: what the site sent, less the brackets.
    """
    json_bytes = parquet_bytes = 0
    for path in (home / "lake/raw/nightscout").glob("*/source=*/month=*/*.parquet"):
        texts = document_texts(pq.read_table(path, partitioning=None))
        json_bytes += sum(len(text.encode()) + 1 for text in texts)
        parquet_bytes += path.stat().st_size
    return json_bytes, parquet_bytes


def measure_ingest(sources: int, days: int, runs: int) -> IngestNumbers:
    """Full ingest ``runs`` times into fresh lakes, then one incremental refresh after each."""
    full, peaks, refresh, rates = [], [], [], []
    received: dict[str, int] = {}
    parquet: dict[str, int] = {}
    entries = documents = 0
    month_bytes = (0, 0)
    with tempfile.TemporaryDirectory(prefix="glucolake-bench-") as tmp:
        workdir = Path(tmp)
        with simulator(sources, days, workdir) as cohort:
            for run in range(runs):
                home = workdir / f"run-{run}"
                seconds, peak, done = _ingest(cohort, home)
                entries = sum(e["fetched"]["entries"] for e in done)
                documents = sum(sum(e["fetched"].values()) for e in done)
                received = {
                    c: sum(e["received_bytes"].get(c, 0) for e in done) for c in COLLECTIONS
                }
                parquet = _zone_bytes(home)
                month_bytes = _month_files_bytes(home)
                full.append(seconds)
                peaks.append(peak)
                rates.append(entries / seconds)
                refresh.append(_ingest(cohort, home)[0])
                shutil.rmtree(home)
    return IngestNumbers(
        sources=sources,
        days=days,
        entries=entries,
        documents=documents,
        full_seconds=summarise(full),
        full_peak_mb=summarise(peaks),
        refresh_seconds=summarise(refresh),
        readings_per_second=summarise(rates),
        received_bytes=received,
        parquet_bytes=parquet,
        month_json_bytes=month_bytes[0],
        month_parquet_bytes=month_bytes[1],
    )


def markdown(numbers: IngestNumbers) -> str:
    """The ingest section of docs/benchmarks.md."""
    total_json = sum(numbers.received_bytes.values())
    total_parquet = sum(numbers.parquet_bytes.values())
    ratio = total_json / total_parquet if total_parquet else float("nan")
    month_ratio = (
        numbers.month_json_bytes / numbers.month_parquet_bytes
        if numbers.month_parquet_bytes
        else float("nan")
    )
    lines = [
        f"### Ingest: {numbers.sources} sources × {numbers.days} days",
        "",
        f"{numbers.entries:,} CGM entries, {numbers.documents:,} documents in all",
        "(entries, treatments, devicestatus), fetched over HTTP from `glucolake simulate`",
        "running in another process.",
        "",
        "| measure | target | measured | ratio |",
        "|---|---|---|---|",
        f"| full ingest, wall s | – | {numbers.full_seconds} | – |",
        f"| full ingest, peak RSS MB | – | {numbers.full_peak_mb} | – |",
        f"| entries per second | – | {numbers.readings_per_second} | – |",
        f"| incremental refresh (nothing new), wall s | – | {numbers.refresh_seconds} | – |",
        (
            f"| raw JSON bytes ÷ Parquet bytes | ≥ 15 (older stack: 10) | {ratio:.1f} "
            f"| {ratio / 15:.2f} |"
        ),
        (
            f"| the same, on the compacted months only | ≥ 15 | {month_ratio:.1f} "
            f"| {month_ratio / 15:.2f} |"
        ),
        "",
        "| collection | JSON bytes received | Parquet bytes stored | JSON ÷ Parquet |",
        "|---|---|---|---|",
    ]
    for collection in COLLECTIONS:
        j, p = numbers.received_bytes.get(collection, 0), numbers.parquet_bytes.get(collection, 0)
        lines.append(f"| {collection} | {j:,} | {p:,} | {j / p if p else float('nan'):.1f} |")
    return "\n".join(lines) + "\n"
