"""Consensus and variability metrics per source over its last 14, 30 and 90 days and all time.

A Python model because MAGE, CONGA and MODD are not natural in SQL (interpolation onto iglu's
day-by-day grid, moving averages, excursion scans). It runs inside the same dbt build and calls
``glucolake.metrics.summarize``, the implementation tested against iglu 4.3.0 to 1e-9.
Windows end at each source's newest reading and reach back a whole number of days.

An incremental build recomputes the sources whose readings it rebuilt (those in
``int_glucose_enriched``) over their whole history, and keeps the other sources' rows.
"""

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from glucolake.metrics import SUMMARY_KEYS, summarize

WINDOWS = {"14d": 14, "30d": 30, "90d": 90, "all": None}
DAY_MS = 86_400_000
# Sources computed at once, and read ahead of the one being collected (memory: a few sources).
THREADS = 2
READ_AHEAD = 4
SCHEMA = pa.schema(
    [("source_id", pa.string()), ("window", pa.string())]
    + [(k, pa.int64() if k == "n_readings" else pa.float64()) for k in SUMMARY_KEYS]
)


def model(dbt: Any, session: Any) -> pa.Table:  # noqa: ANN401 - dbt's model contract
    """Every source's metrics for each window, as one Arrow table."""
    dbt.config(materialized="external")
    incremental = dbt.config.get("incremental_build") == "True"
    # The ids only: the whole table is a cohort's year of readings (2 GB as Arrow).
    rebuilt = dbt.ref("int_glucose_enriched").project("source_id").distinct().arrow().read_all()
    changed = set(rebuilt["source_id"].drop_null().to_pylist())
    timezones = {
        row["source_id"]: row["timezone"]
        for row in dbt.ref("dim_source").arrow().read_all().to_pylist()
    }
    tables = [SCHEMA.empty_table()]
    if changed:
        readings = (
            dbt.ref("fact_glucose_readings")
            .filter(f"source_id in ({', '.join(_literal(s) for s in sorted(changed))})")
            .project("source_id, date_ms, glucose_mg_dl")
            .order("source_id, date_ms")
            .arrow()
        )
        chunks = _whole_sources(readings)
        tables += _in_threads(lambda chunk: _metrics(chunk, timezones), chunks)
    if incremental:
        location = _literal(dbt.config.get("previous_build"))
        query = f"select * from read_parquet({location})"  # noqa: S608 - a quoted path
        previous = session.sql(query).arrow().read_all()
        keep = pc.invert(pc.is_in(previous["source_id"], pa.array(sorted(changed), pa.string())))
        tables.append(previous.filter(pc.and_(keep, pc.is_valid(previous["source_id"]))))
    return pa.concat_tables([t.select(SCHEMA.names).cast(SCHEMA) for t in tables]).sort_by(
        [("source_id", "ascending"), ("window", "ascending")]
    )


def _whole_sources(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.Table]:
    """Readings ordered by source, as tables that each hold whole sources only.

    A cohort's year is 10 million readings: read at once they took a gigabyte next to DuckDB's
    own budget. Batches are passed on as soon as the sources they hold are complete, so about
    one source's readings are in memory at a time.
    """
    pending: list[pa.RecordBatch] = []
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        table = pa.Table.from_batches(pending)
        last = table["source_id"][-1]
        complete = pc.sum(pc.not_equal(table["source_id"], last)).as_py() or 0
        if complete:
            yield table.slice(0, complete)
            pending = table.slice(complete).to_batches()
    if pending:
        yield pa.Table.from_batches(pending)


def _in_threads(work: Callable[[pa.Table], pa.Table], chunks: Iterable[pa.Table]) -> list[pa.Table]:
    """``work`` on every chunk, ``THREADS`` at a time, in order, ``READ_AHEAD`` chunks at most.

    numpy releases the GIL in most of the metrics' array work: two threads took a cohort's
    year 25 % less time than one. Reading ahead is bounded, so memory stays about four
    sources' readings.
    """
    results: list[pa.Table] = []
    pending: deque[Future[pa.Table]] = deque()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for chunk in chunks:
            pending.append(pool.submit(work, chunk))
            if len(pending) >= READ_AHEAD:
                results.append(pending.popleft().result())
        results.extend(future.result() for future in pending)
    return results


def _metrics(readings: pa.Table, timezones: dict[str, str]) -> pa.Table:
    columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    if readings.num_rows == 0:
        return pa.table(columns, schema=SCHEMA)
    encoded = readings["source_id"].combine_chunks().dictionary_encode()
    codes = encoded.indices.to_numpy()
    epoch_ms_all = readings["date_ms"].to_numpy()
    glucose_all = readings["glucose_mg_dl"].to_numpy()
    # Readings are ordered by source: each source is one contiguous slice.
    starts = [0, *(np.flatnonzero(np.diff(codes)) + 1).tolist()]
    for start, end in zip(starts, [*starts[1:], len(codes)], strict=True):
        source_id = str(encoded.dictionary[codes[start]])
        epoch_ms = epoch_ms_all[start:end]
        glucose = glucose_all[start:end]
        newest = epoch_ms.max()
        for window, days in WINDOWS.items():
            keep = epoch_ms > newest - days * DAY_MS if days else slice(None)
            metrics = summarize(epoch_ms[keep], glucose[keep], timezones[source_id])
            columns["source_id"].append(source_id)
            columns["window"].append(window)
            for key in SUMMARY_KEYS:
                columns[key].append(metrics[key])
    return pa.table(columns, schema=SCHEMA)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
