"""Where gate results go: a JSON report per run and a one-row Parquet summary per run.

``quality/runs/<run_id>.json`` holds every expectation's outcome;
``quality/summary/<run_id>.parquet`` holds the counts (critical failures, warnings) that the
curated layer publishes to the marts; past days' and months' summaries are merged
(``summary_files``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pyarrow as pa

from glucolake.logs import fields, get_logger
from glucolake.quality.summary_files import SUMMARY_DIR, compact_summaries

if TYPE_CHECKING:
    from glucolake.lake.storage import Lake
    from glucolake.quality.gate import GateReport

__all__ = ["store_report"]

log = get_logger(__name__)

_SUMMARY = pa.schema(
    [  # type: ignore[arg-type]  # the stubs reject (name, type) tuples, pyarrow accepts them
        ("run_id", pa.string()),
        ("validated_at", pa.timestamp("ms", tz="UTC")),
        ("passed", pa.bool_()),
        ("critical_failed", pa.int64()),
        ("warnings", pa.int64()),
        ("expectations", pa.int64()),
    ]
)


def store_report(lake: Lake, report: GateReport) -> str:
    """Write the run's report and summary into the lake; return the report's URI."""
    document = report.to_json()
    report_path = f"quality/runs/{report.run_id}.json"
    lake.put_atomic(report_path, json.dumps(document, indent=2).encode())
    row = {
        "run_id": report.run_id,
        "validated_at": report.validated_at_ms,
        "passed": report.passed,
        "critical_failed": document["critical_failed"],
        "warnings": document["warnings"],
        "expectations": document["expectations"],
    }
    summary = pa.Table.from_pylist([row], schema=_SUMMARY)
    lake.put_parquet(f"{SUMMARY_DIR}/{report.run_id}.parquet", summary)
    merged = compact_summaries(lake, report.run_id)
    if merged:
        log.info("quality_summaries_compacted", extra=fields(files_merged=merged))
    return lake.uri_of(report_path)
