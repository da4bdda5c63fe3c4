"""What several pipeline tests share: running the real CLI and comparing the marts it built."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from glucolake.lake.raw_encoding import BATCH_ID, FETCHED_AT, document_texts
from glucolake.simulate import SimulatorConfig, SimulatorServer, write_sources_file

MARTS = (
    "mart_glucose_summary",
    "mart_glucose_overview",
    "mart_glucose_agp",
    "mart_glucose_hourly_patterns",
    "mart_glucose_daily_profiles",
    "mart_glucose_hourly_trend",
)


def raw_rows(folder: Path | str) -> list[tuple[str, str, datetime]]:
    """``(document text, batch, fetched at)`` of every row of the raw files under ``folder``.

    File by file: files written before and after a change of encoding hold other columns.
    """
    rows: list[tuple[str, str, datetime]] = []
    for path in sorted(Path(folder).rglob("*.parquet")):
        table = pq.read_table(path, partitioning=None)
        rows += zip(
            document_texts(table),
            table.column(BATCH_ID).to_pylist(),
            table.column(FETCHED_AT).to_pylist(),
            strict=True,
        )
    return rows


def children_of(pid: int, *, running: bytes = b"") -> list[int]:
    """The processes whose parent is ``pid``, those whose command line holds ``running``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes() if running else b""
        except OSError:  # ended meanwhile
            continue
        if parent == pid and running in command:
            found.append(int(stat.parent.name))
    return found


def home_environment(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``glucolake`` command run as a user would, with its home in ``home``
    (and nothing else of the test's environment but PATH), plus ``extra`` variables."""
    return {"PATH": os.environ["PATH"], "HOME": str(home), "GLUCOLAKE_HOME": str(home), **extra}


def glucolake(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    """Run ``glucolake <args>`` as a user would; assert success unless ``check`` is false."""
    result = subprocess.run(
        [sys.executable, "-m", "glucolake", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def run_pipeline(home: Path, env: dict[str, str], **config: Any) -> None:
    """Serve a simulated cohort (``SimulatorConfig`` keywords; the clock frozen at now unless
    ``now`` is given) and run the whole DAG against it with ``glucolake run``."""
    config.setdefault("now", datetime.now(UTC).replace(microsecond=0).isoformat())
    with SimulatorServer(SimulatorConfig(**config)) as sim:
        cohort = home / "sources.yaml"
        write_sources_file(sim, cohort)
        glucolake("run", "--sources", str(cohort), env=env)


def warehouse_tables(home: Path, tables: tuple[str, ...] = MARTS, schema: str = "marts") -> dict:
    """Every row of the given tables of a home's DuckDB warehouse, in a stable order."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as connection:
        return {
            table: connection.execute(f"select * from {schema}.{table} order by all").fetchall()  # noqa: S608
            for table in tables
        }


def assert_same(got: dict, expected: dict, *, after: str) -> None:
    """Equal row for row; floats to 1e-12 relative, since DuckDB's parallel sums may order
    their additions differently from one run to the next (the last bit, not the data)."""
    for table, rows in expected.items():
        assert len(got[table]) == len(rows), (after, table)
        for mine, theirs in zip(got[table], rows, strict=True):
            for a, b in zip(mine, theirs, strict=True):
                if isinstance(b, float) and isinstance(a, float):
                    assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (after, table, mine)
                else:
                    assert a == b, (after, table, mine, theirs)
