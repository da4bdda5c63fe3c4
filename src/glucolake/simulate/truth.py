"""The truth manifest: what a correct pipeline must make of a source's documents, as of now.

Computed from the columns (every quirk row carries its kind code), and defined so that a
brute-force scan of the served JSON gives the same numbers:

* an entry whose ``type`` is not sgv/mbg/cal is quarantined as ``unknown_type``;
* its ``date`` is repaired (epoch seconds times 1000, fractions floored); a repaired date after
  now is ``future_date``;
* an sgv entry without ``sgv`` is ``missing_glucose``, one below 39 is ``sensor_error_code``;
  ``"sgv": "176"`` and 39/401 sentinels are usable;
* among the rest, the identity is (repaired date, type); every copy past the first of an
  identity counts in ``duplicates``; ``valid_sgv_readings`` counts the distinct sgv identities.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from glucolake.simulate.quirk_kinds import KIND_CODES, REGISTRY, entry_types
from glucolake.simulate.timezones import iso_strings

if TYPE_CHECKING:
    from glucolake.simulate.dataset import SourceData

__all__ = ["QUARANTINE_REASONS", "SECONDS_DATE_LIMIT", "repaired_dates", "source_truth"]

QUARANTINE_REASONS = ("missing_glucose", "sensor_error_code", "future_date", "unknown_type")
SECONDS_DATE_LIMIT = 100_000_000_000  # a `date` below this is epoch seconds, not milliseconds
_KNOWN_TYPES = ("sgv", "mbg", "cal")
_FIRST_GLUCOSE = 39


def repaired_dates(date: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Epoch milliseconds a pipeline should derive from ``date`` (seconds and fractions fixed)."""
    ms = np.where(date < SECONDS_DATE_LIMIT, date * 1000.0, date)
    return np.floor(ms).astype(np.int64)


def _quirk_counts(kind: npt.NDArray[np.int8], collection: str) -> dict[str, int]:
    counts = np.bincount(kind, minlength=len(REGISTRY) + 1)
    return {k.name: int(counts[KIND_CODES[k.name]]) for k in REGISTRY if k.collection == collection}


def _identity_copies(keys: list[npt.NDArray[Any]]) -> tuple[int, int]:
    """(rows, distinct identities) over parallel key arrays."""
    if len(keys[0]) == 0:
        return 0, 0
    table = np.rec.fromarrays(keys)
    return len(table), len(np.unique(table))


def _entries_truth(data: SourceData, now_ms: int) -> dict[str, Any]:
    e = data.entries
    seen = e["visible"] <= now_ms
    kind = e["kind"][seen]
    types = entry_types(kind)
    dates = repaired_dates(e["date"][seen])
    sgv = e["sgv"][seen]
    known = np.isin(types, _KNOWN_TYPES)
    future = known & (dates > now_ms)
    is_sgv = known & ~future & (types == "sgv")
    missing = is_sgv & (kind == KIND_CODES["missing_sgv"])
    error = is_sgv & ~missing & (sgv < _FIRST_GLUCOSE)
    usable = known & ~future & ~missing & ~error
    rows, distinct = _identity_copies([types[usable], dates[usable]])
    _, valid = _identity_copies([dates[usable & (types == "sgv")]])
    return {
        "documents": int(seen.sum()),
        "quirks": _quirk_counts(kind, "entries"),
        "valid_sgv_readings": valid,
        "quarantine": {
            "missing_glucose": int(missing.sum()),
            "sensor_error_code": int(error.sum()),
            "future_date": int(future.sum()),
            "unknown_type": int((~known).sum()),
        },
        "duplicates": rows - distinct,
    }


def _treatments_truth(data: SourceData, now_ms: int) -> dict[str, Any]:
    t = data.treatments
    seen = t["visible"] <= now_ms
    rows, distinct = _identity_copies([t["created"][seen], t["event"][seen]])
    return {
        "documents": int(seen.sum()),
        "quirks": _quirk_counts(t["kind"][seen], "treatments"),
        "duplicates": rows - distinct,
    }


def source_truth(data: SourceData, now_ms: int) -> dict[str, Any]:
    """The truth manifest of one source as of ``now_ms``."""
    return {
        "source_id": data.spec.source_id,
        "now": iso_strings([now_ms])[0],
        "now_ms": now_ms,
        "entries": _entries_truth(data, now_ms),
        "treatments": _treatments_truth(data, now_ms),
        "devicestatus": {
            "documents": int((data.devicestatus["visible"] <= now_ms).sum()),
            "quirks": {},
        },
        "profile": {"documents": int(data.profile_start_ms <= now_ms), "quirks": {}},
    }
