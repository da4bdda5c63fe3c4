"""Consensus and variability metrics per source over its last 14, 30 and 90 days and all time.

A Python model because MAGE, CONGA and MODD are not natural in SQL (interpolation onto iglu's
day-by-day grid, moving averages, excursion scans). It runs inside the same dbt build and calls
``glucolake.metrics.summarize_windows``, the implementation tested against iglu 4.3.0 to 1e-9.

An incremental build recomputes the sources whose readings it rebuilt (those in
``int_glucose_enriched``) over their whole history, and keeps the other sources' rows.
"""

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from glucolake.metrics import SUMMARY_KEYS, summarize_windows
from glucolake.transform.dbt import build_setting

# Sources computed at once, and read ahead of the one being collected (memory: a few sources).
PROCESSES = 2
READ_AHEAD = 4
SCHEMA = pa.schema(
    [("source_id", pa.string()), ("window", pa.string())]
    + [(k, pa.int64() if k == "n_readings" else pa.float64()) for k in SUMMARY_KEYS]
)
Windows = dict[str, dict[str, Any]]


def model(dbt: Any, session: Any) -> pa.Table:  # noqa: ANN401 - dbt's model contract
    """Every source's metrics for each window, as one Arrow table."""
    dbt.config(materialized="external")
    incremental = build_setting("scope") is not None  # None: a full build
    # The ids only: the whole table is a cohort's year of readings (2 GB as Arrow).
    rebuilt = dbt.ref("int_glucose_enriched").project("source_id").distinct().arrow().read_all()
    changed = set(rebuilt["source_id"].drop_null().to_pylist())
    timezones = {
        row["source_id"]: row["timezone"]
        for row in dbt.ref("dim_source").arrow().read_all().to_pylist()
    }
    tables = [SCHEMA.empty_table()]
    if changed:
        readings = dbt.ref("fact_glucose_readings")
        if not changed >= timezones.keys():
            # Not when every source changed (a refresh, usually): the fact holds only sources
            # of dim_source, and the filter cost DuckDB 0.1-0.3 s on a cohort's year.
            listed = ", ".join(_literal(s) for s in sorted(changed))
            readings = readings.filter(f"source_id in ({listed})")
        else:
            # The fact's placeholder row of an empty build, if one is left (a partition column:
            # checked per file, not per row).
            readings = readings.filter("source_id is not null")
        readings = readings.project("source_id, date_ms, glucose_mg_dl")
        # In the files' order, not sorted: the fact is partitioned by source, so its files
        # (listed in path order) hold each source's readings together, and each source is
        # then sorted alone. Sorting a cohort's year by source and date first took this step
        # from 820 MB to 1,440 MB at its peak, in the same time.
        kept = session.sql("select current_setting('preserve_insertion_order')").fetchone()[0]
        session.execute("set preserve_insertion_order = true")
        try:
            results = _computed(_sources(readings.arrow()), timezones, len(changed))
        finally:
            session.execute(f"set preserve_insertion_order = {bool(kept)}")
        tables.append(_table(results))
    if incremental:
        location = _literal(dbt.config.get("previous_build"))
        query = f"select * from read_parquet({location})"  # noqa: S608 - a quoted path
        previous = session.sql(query).arrow().read_all()
        keep = pc.invert(pc.is_in(previous["source_id"], pa.array(sorted(changed), pa.string())))
        tables.append(previous.filter(pc.and_(keep, pc.is_valid(previous["source_id"]))))
    return pa.concat_tables([t.select(SCHEMA.names).cast(SCHEMA) for t in tables]).sort_by(
        [("source_id", "ascending"), ("window", "ascending")]
    )


def _sources(batches: Iterable[pa.RecordBatch]) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """``(source_id, epoch_ms, glucose)`` of each source, by time, from readings grouped by source.

    A source met again after another one began means the readings were not grouped: computing
    on would split its history, so the build stops instead.
    """
    done: set[str] = set()
    for table in _whole_sources(batches):
        encoded = table["source_id"].combine_chunks().dictionary_encode()
        codes = encoded.indices.to_numpy()
        epoch_ms = table["date_ms"].to_numpy()
        glucose = table["glucose_mg_dl"].to_numpy()
        starts = [0, *(np.flatnonzero(np.diff(codes)) + 1).tolist()]
        for start, end in zip(starts, [*starts[1:], len(codes)], strict=True):
            source_id = str(encoded.dictionary[codes[start]])
            if source_id in done:
                msg = f"fact_glucose_readings: the readings of {source_id} were not read together"
                raise RuntimeError(msg)
            done.add(source_id)
            # Unique per source (the fact's key), so any sort gives the one order.
            by_time = np.argsort(epoch_ms[start:end])
            yield source_id, epoch_ms[start:end][by_time], glucose[start:end][by_time]


def _whole_sources(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.Table]:
    """Readings grouped by source, as tables that each hold whole sources only.

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


def _computed(
    sources: Iterable[tuple[str, np.ndarray, np.ndarray]], timezones: dict[str, str], count: int
) -> list[tuple[str, Windows]]:
    """Each of ``count`` sources' windows, ``PROCESSES`` sources at a time when there are more.

    At most ``READ_AHEAD`` sources are read ahead of the one being collected. The metrics are
    numpy with Python loops between (MAGE's excursion scan) that hold the GIL: on a cohort's
    year this model took 9.6 s with two threads and takes 6.4 s with two processes. The workers
    are spawned, not forked: this process runs DuckDB's and dbt's threads. A single source is
    computed here: starting a worker (its interpreter, numpy) took longer than its week.
    """
    if count == 1:
        return [(s, summarize_windows(ms, mg_dl, timezones[s])) for s, ms, mg_dl in sources]
    results: list[tuple[str, Windows]] = []
    pending: deque[tuple[str, Future[Windows]]] = deque()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=PROCESSES, mp_context=context) as pool:
        for source_id, epoch_ms, glucose in sources:
            work = pool.submit(summarize_windows, epoch_ms, glucose, timezones[source_id])
            pending.append((source_id, work))
            if len(pending) >= READ_AHEAD:
                done_id, done = pending.popleft()
                results.append((done_id, done.result()))
        results.extend((done_id, done.result()) for done_id, done in pending)
    return results


def _table(results: list[tuple[str, Windows]]) -> pa.Table:
    columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    for source_id, windows in results:
        for window, metrics in windows.items():
            columns["source_id"].append(source_id)
            columns["window"].append(window)
            for key in SUMMARY_KEYS:
                columns[key].append(metrics[key])
    return pa.table(columns, schema=SCHEMA)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
