"""A source's three collections as sorted columns, built from a trace or from given readings.

Entries are sorted by ``date`` (the field Nightscout filters and sorts on), treatments and
devicestatus by ``created``. Every collection has a ``visible`` column: the instant from which the
document exists on the server (its upload time), so a live clock reveals readings as time passes
and late uploads appear hours after their date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from glucolake.simulate.cohort import UPLOADER_CGM, UPLOADER_LOOP, SourceSpec
from glucolake.simulate.columns import Columns
from glucolake.simulate.events import day_events
from glucolake.simulate.keyed_random import Stream, hash64, uniform
from glucolake.simulate.quirks import inject_entry_quirks, inject_treatment_quirks
from glucolake.simulate.timezones import DAY_MS, OffsetTimeline, offset_timeline
from glucolake.simulate.traces import SLOT_MS, Trace, simulate_trace

__all__ = [
    "SourceData",
    "build_generated_source",
    "build_reading_source",
    "entry_columns",
    "sorted_by",
]

_COUNTER_MASK = 0xFFFFFF
_TIMELINE_MARGIN_DAYS = 8  # future-dated quirk records reach four days past the last day


@dataclass(frozen=True)
class SourceData:
    """Everything one simulated site serves."""

    spec: SourceSpec
    seed: int
    timeline: OffsetTimeline
    entries: Columns
    treatments: Columns
    devicestatus: Columns
    profile_start_ms: int
    """``startDate`` of the single profile document."""


def sorted_by(columns: Columns, key: str) -> Columns:
    """Rows in ascending ``key`` order (stable, so equal keys keep their build order)."""
    return columns.take(np.argsort(columns[key], kind="stable"))


def _counter(
    seed: int, spec: SourceSpec, uploader: int, slot: npt.NDArray[np.int64]
) -> npt.NDArray[np.int32]:
    """ObjectId counters of an uploader: a random start plus the reading-grid slot number."""
    start = int(
        hash64(seed, spec.index, Stream.SOURCE, 1000 + uploader)[0] & np.uint64(_COUNTER_MASK)
    )
    return ((start + slot) & _COUNTER_MASK).astype(np.int32)


def entry_columns(
    inst: npt.NDArray[np.int64],
    sgv: npt.NDArray[np.int16] | npt.NDArray[np.float64],
    *,
    trend: npt.NDArray[np.int8],
    delta: npt.NDArray[np.float32],
    style: int,
    counter: npt.NDArray[np.int32],
) -> Columns:
    """Ordinary sgv entries uploaded at their reading time by the CGM uploader."""
    n = len(inst)
    return Columns(
        {
            "date": inst.astype(np.float64),
            "inst": inst,
            "visible": inst,
            "sgv": sgv,
            "trend": trend,
            "delta": delta,
            "kind": np.zeros(n, np.int8),
            "style": np.full(n, style, np.int8),
            "oid_ts": (inst // 1000).astype(np.uint32),
            "oid_ctr": counter,
            "uploader": np.full(n, UPLOADER_CGM, np.int8),
        }
    )


def _entries(seed: int, spec: SourceSpec, trace: Trace) -> Columns:
    p = trace.present
    inst = trace.times[p]
    slot = (inst - spec.phase_ms) // SLOT_MS
    return entry_columns(
        inst,
        trace.sgv[p],
        trend=trace.trend[p],
        delta=trace.delta[p],
        style=spec.style,
        counter=_counter(seed, spec, UPLOADER_CGM, slot),
    )


def _treatments(seed: int, spec: SourceSpec, events: Columns) -> Columns:
    created = events["created"]
    counter = hash64(seed, spec.index, Stream.SOURCE, created, events["event"]) & np.uint64(
        _COUNTER_MASK
    )
    keep = (
        "event",
        "carbs",
        "insulin",
        "duration",
        "absolute",
        "percent",
        "glucose",
        "entered",
        "uploader",
    )
    return Columns(
        {
            "created": created,
            "visible": created,
            **{name: events[name] for name in keep},
            "kind": np.zeros(len(created), np.int8),
            "oid_ts": (created // 1000).astype(np.uint32),
            "oid_ctr": counter.astype(np.int32),
        }
    )


def _devicestatus(
    seed: int,
    spec: SourceSpec,
    *,
    times: npt.NDArray[np.int64],
    bg: npt.NDArray[np.int16],
    delta: npt.NDArray[np.float32],
    iob: npt.NDArray[np.float32],
    cob: npt.NDArray[np.float32],
) -> Columns:
    # Loop runs 20-60 s after each CGM reading is due, whether or not the reading arrived.
    wait = (20_000 + 40_000 * uniform(seed, spec.index, Stream.DEVICESTATUS, times)).astype(
        np.int64
    )
    created = times + wait
    slot = (times - spec.phase_ms) // SLOT_MS
    return Columns(
        {
            "created": created,
            "visible": created,
            "bg": bg,
            "step": np.nan_to_num(np.rint(delta)).astype(np.int16),
            "iob": iob,
            "cob": cob,
            "oid_ts": (created // 1000).astype(np.uint32),
            "oid_ctr": _counter(seed, spec, UPLOADER_LOOP, slot),
        }
    )


def profile_start(spec: SourceSpec) -> int:
    """A fixed profile ``startDate`` well before any simulated data (2014-01-01 + index days)."""
    return 1_388_534_400_000 + spec.index * 86_400_000


def build_generated_source(
    seed: int,
    spec: SourceSpec,
    first_day: int,
    last_day: int,
    *,
    quirks: bool,
    quirk_scale: float = 1.0,
) -> SourceData:
    """Generate days ``first_day..last_day`` (UTC days since the epoch) of one source."""
    timeline = offset_timeline(spec.timezone, first_day - 2, last_day + _TIMELINE_MARGIN_DAYS)
    trace = simulate_trace(seed, spec, first_day, last_day, timeline)
    entries = _entries(seed, spec, trace)
    treatments = _treatments(seed, spec, trace.events)
    if quirks:
        entries = inject_entry_quirks(seed, spec, entries, quirk_scale)
        treatments = inject_treatment_quirks(seed, spec, treatments, quirk_scale)
    return SourceData(
        spec=spec,
        seed=seed,
        timeline=timeline,
        entries=sorted_by(entries, "date"),
        treatments=sorted_by(treatments, "created"),
        devicestatus=_devicestatus(
            seed,
            spec,
            times=trace.times,
            bg=trace.sgv,
            delta=trace.delta,
            iob=trace.iob,
            cob=trace.cob,
        ),
        profile_start_ms=profile_start(spec),
    )


def build_reading_source(
    seed: int,
    spec: SourceSpec,
    *,
    inst: npt.NDArray[np.int64],
    sgv: npt.NDArray[np.int16] | npt.NDArray[np.float64],
    trend: npt.NDArray[np.int8],
    timeline: OffsetTimeline,
) -> SourceData:
    """A source serving exactly the given readings, with no treatments and no devicestatus."""
    counter = _counter(seed, spec, UPLOADER_CGM, np.arange(len(inst), dtype=np.int64))
    delta = np.full(len(inst), np.nan, np.float32)
    entries = entry_columns(inst, sgv, trend=trend, delta=delta, style=spec.style, counter=counter)
    none = np.zeros(0, np.int64)
    first_day = int(inst.min()) // DAY_MS if len(inst) else 0
    return SourceData(
        spec=spec,
        seed=seed,
        timeline=timeline,
        entries=sorted_by(entries, "date"),
        treatments=_treatments(seed, spec, day_events(seed, spec, none, timeline)),
        devicestatus=_devicestatus(
            seed,
            spec,
            times=none,
            bg=none.astype(np.int16),
            delta=none.astype(np.float32),
            iob=none.astype(np.float32),
            cob=none.astype(np.float32),
        ),
        profile_start_ms=(first_day - 1) * DAY_MS,
    )
