"""The scale cohort's simulated sites: one address, and a clock that moves on at each refresh.

The cohort's raw zone is ingested once and cached with its home (``scale_stage``), so every later
simulator must continue that data: the same seed, a clock 15 minutes after the last one the home
was fetched at, and the same address (both remembered in the cohort's folder).
"""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from benchmarks.ingest_stage import simulator

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from pathlib import Path

__all__ = ["cohort_port", "first_sites", "refresh_sites"]

# The cohort's first clock and its seed.
SCALE_NOW = "2026-11-20T12:00:00+00:00"
SCALE_SEED = 3


def first_sites(sources: int, days: int, workdir: Path) -> AbstractContextManager[Path]:
    """The sites the cohort's raw zone is first ingested from; the refreshes start again after."""
    (workdir / "clock.json").unlink(missing_ok=True)
    return simulator(sources, days, workdir, now=SCALE_NOW, seed=SCALE_SEED)


def refresh_sites(
    sources: int, days: int, workdir: Path, *, port: int
) -> AbstractContextManager[Path]:
    """The cohort's sites at ``port``, 15 minutes on from the last refresh."""
    now = _next_refresh_clock(workdir)
    return simulator(sources, days, workdir, now=now.isoformat(), seed=SCALE_SEED, port=port)


def cohort_port(workdir: Path) -> int:
    """The port the cached cohort's sites were served on by the last `make bench`, if free.

    A site's address is part of the setting ingest records, and staging reads every record:
    with a new port at each `make bench`, the cached home gained one record per source per run
    (1,400 files after 14 runs), which every later refresh read again.
    """
    record = workdir / "port.json"
    if record.exists():
        port = int(json.loads(record.read_text())["port"])
        if _free(port):
            return port
    port = _free_port()
    record.write_text(json.dumps({"port": port}))
    return port


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    """A port free now, for a simulator started later (its server reuses the address)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _next_refresh_clock(workdir: Path) -> datetime:
    """15 minutes after the latest clock the cached home was fetched at, and remember it.

    The home is kept between `make bench` runs, and so is ingest's cursor: a refresh at a
    clock the home has already seen would find nothing new and measure an empty refresh.
    """
    record = workdir / "clock.json"
    last = json.loads(record.read_text())["now"] if record.exists() else SCALE_NOW
    now = datetime.fromisoformat(last) + timedelta(minutes=15)
    record.write_text(json.dumps({"now": now.isoformat()}))
    return now
