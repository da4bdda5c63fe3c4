"""Consensus and variability metrics per source over its last 14, 30 and 90 days and all time.

A Python model because MAGE, CONGA and MODD are not natural in SQL (interpolation onto iglu's
day-by-day grid, moving averages, excursion scans). It runs inside the same dbt build and calls
``glucolake.metrics.summarize``, the implementation tested against iglu 4.3.0 to 1e-9.
Windows end at each source's newest reading and reach back a whole number of days.
"""

from typing import Any

import pyarrow as pa

from glucolake.metrics import SUMMARY_KEYS, summarize

WINDOWS = {"14d": 14, "30d": 30, "90d": 90, "all": None}
DAY_MS = 86_400_000


def model(dbt: Any, session: Any) -> pa.Table:  # noqa: ANN401, ARG001 - dbt's model contract
    """Every source's metrics for each window, as one Arrow table."""
    dbt.config(materialized="external")
    readings = dbt.ref("fact_glucose_readings").arrow().read_all()
    sources = dbt.ref("dim_source").arrow().read_all().to_pylist()
    columns = {name: [] for name in ("source_id", "window", *SUMMARY_KEYS)}
    for source in sources:
        mask = pa.compute.equal(readings["source_id"], source["source_id"])
        mine = readings.filter(mask)
        if mine.num_rows == 0:
            continue
        epoch_ms = mine["date_ms"].to_numpy()
        glucose = mine["glucose_mg_dl"].to_numpy()
        newest = epoch_ms.max()
        for window, days in WINDOWS.items():
            keep = epoch_ms > newest - days * DAY_MS if days else slice(None)
            metrics = summarize(epoch_ms[keep], glucose[keep], source["timezone"])
            columns["source_id"].append(source["source_id"])
            columns["window"].append(window)
            for key in SUMMARY_KEYS:
                columns[key].append(metrics[key])
    schema = pa.schema(
        [("source_id", pa.string()), ("window", pa.string())]
        + [(k, pa.int64() if k == "n_readings" else pa.float64()) for k in SUMMARY_KEYS]
    )
    return pa.table(columns, schema=schema)
