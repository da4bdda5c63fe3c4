"""The truth manifest: what a correct pipeline must make of a source's documents, as of now.

Computed from the columns (every quirk row carries its kind code), and defined so that a
brute-force scan of the served JSON gives the same numbers:

* an entry whose ``type`` is not sgv/mbg/cal (other case, empty, missing) is ``unknown_type``;
* its ``date`` is repaired (epoch seconds times 1000, fractions floored); a date that is neither
  ms nor seconds after 2000-01-01, or ms before 2000-01-01, is ``invalid_date``; a repaired date
  more than ``FUTURE_TOLERANCE_MS`` after now is ``future_date``;
* an sgv (mbg) entry whose ``sgv`` (``mbg``) is missing, not a number (``"NaN"``, ``""``) or not
  above 0 is ``missing_glucose``; an sgv below 39 is ``sensor_error_code``; ``"sgv": "176"`` and
  39/401 sentinels are usable;
* the identity is (repaired date, type): an identity with a usable copy is a reading (sgv
  identities count in ``valid_sgv_readings``) and its bad copies are dropped; one without is
  quarantined once, under its reason; every usable copy past the first counts in ``duplicates``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from glucolake.simulate.quirk_kinds import (
    GLUCOSE_MISSING_CODES,
    KIND_CODES,
    REGISTRY,
    entry_types,
    is_typeless,
)
from glucolake.simulate.timezones import iso_strings

if TYPE_CHECKING:
    from glucolake.simulate.dataset import SourceData

__all__ = [
    "FUTURE_TOLERANCE_MS",
    "QUARANTINE_REASONS",
    "SECONDS_DATE_LIMIT",
    "repaired_dates",
    "source_truth",
]

# In the order staging applies them: the first that holds is the reason.
QUARANTINE_REASONS = (
    "unknown_type",
    "invalid_date",
    "future_date",
    "missing_glucose",
    "sensor_error_code",
)
SECONDS_DATE_LIMIT = 100_000_000_000  # a `date` below this is epoch seconds, not milliseconds
FIRST_PLAUSIBLE_MS = 946_684_800_000  # 2000-01-01: no CGM reading is older
# The clock skew staging forgives (dbt var `future_tolerance_minutes`): a reading dated up to
# this far past the fetch is usable, so a truth without it disagrees whenever a future-dated
# quirk lands within minutes of now.
FUTURE_TOLERANCE_MS = 5 * 60_000
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


def _reasons(
    kind: npt.NDArray[np.int8],
    types: npt.NDArray[np.str_],
    dates: npt.NDArray[np.int64],
    sgv: npt.NDArray[Any],
    now_ms: int,
) -> npt.NDArray[np.int64]:
    """Per row: 0 when usable, else 1 + the index of its reason in ``QUARANTINE_REASONS``."""
    known = np.isin(types, _KNOWN_TYPES) & ~is_typeless(kind)
    missing = np.isin(kind, GLUCOSE_MISSING_CODES) | ((types == "sgv") & ~(sgv > 0))
    conditions = {
        "unknown_type": ~known,
        "invalid_date": dates < FIRST_PLAUSIBLE_MS,
        "future_date": dates > now_ms + FUTURE_TOLERANCE_MS,
        "missing_glucose": missing,
        "sensor_error_code": (types == "sgv") & (sgv < _FIRST_GLUCOSE),
    }
    reason = np.zeros(len(kind), np.int64)
    for code, name in reversed(list(enumerate(QUARANTINE_REASONS, start=1))):
        reason[conditions[name]] = code
    return reason


def _entries_truth(data: SourceData, now_ms: int) -> dict[str, Any]:
    e = data.entries
    seen = e["visible"] <= now_ms
    kind = e["kind"][seen]
    types = entry_types(kind)
    dates = repaired_dates(e["date"][seen])
    reason = _reasons(kind, types, dates, e["sgv"][seen], now_ms)
    usable = reason == 0
    # Staging's identity: (date, type), a missing type being its own value (SQL null).
    identities = np.rec.fromarrays([is_typeless(kind), types, dates])
    _, group = np.unique(identities, return_inverse=True)
    group = group.ravel()
    groups = int(group.max()) + 1 if len(group) else 0
    has_usable = np.bincount(group, weights=usable, minlength=groups) > 0
    # A bad copy of a usable identity is dropped; other identities are quarantined once.
    group_reason = np.full(groups, len(QUARANTINE_REASONS) + 1, np.int64)
    np.minimum.at(group_reason, group[~usable], reason[~usable])
    quarantined = np.bincount(group_reason[~has_usable], minlength=len(QUARANTINE_REASONS) + 2)
    rows, distinct = _identity_copies([types[usable], dates[usable]])
    _, valid = _identity_copies([dates[usable & (types == "sgv")]])
    return {
        "documents": int(seen.sum()),
        "quirks": _quirk_counts(kind, "entries"),
        "valid_sgv_readings": valid,
        "quarantine": {
            name: int(quarantined[code]) for code, name in enumerate(QUARANTINE_REASONS, start=1)
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
