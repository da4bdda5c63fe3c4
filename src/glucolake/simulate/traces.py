"""The CGM trace of one source, computed with numpy over all its days at once.

Glucose on the 5-minute grid is a sum of parts that each depend on one or two UTC days only:
a baseline, a circadian wave and a dawn rise (local clock), meal, bolus and hypo responses
(events of the same and the previous day; every response fades within 8 hours), a smooth random
wander (knots every 2 hours, the knot at midnight shared by the two days it joins) and sensor noise.
That locality is what keeps a day's documents identical whatever range is generated: the range
is computed with one extra day in front, whose last reading feeds the first reading's trend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from glucolake.simulate.events import (
    EV_BG_CHECK,
    EV_CARB_CORRECTION,
    EV_CORRECTION,
    EV_MEAL,
    RESCUE_DELAY_MS,
    WARMUP_MS,
    day_events,
    session_starts,
)
from glucolake.simulate.keyed_random import Stream, normal, uniform
from glucolake.simulate.timezones import DAY_MS, OffsetTimeline

if TYPE_CHECKING:
    from collections.abc import Callable

    from glucolake.simulate.cohort import SourceSpec
    from glucolake.simulate.columns import Columns

__all__ = ["SLOTS_PER_DAY", "SLOT_MS", "Trace", "simulate_trace", "trend_codes"]

SLOT_MS = 300_000
SLOTS_PER_DAY = DAY_MS // SLOT_MS
_MIN_MS = 60_000
_KNOT_MS = 2 * 3_600_000
_RESPONSE_SLOTS = 96  # 8 h: every glucose response is negligible after that
_GLUCOSE_MIN, _GLUCOSE_MAX = 40, 400
_NOISE_SD = 1.5
_WANDER_SD = 34.0

TREND_NOT_COMPUTABLE = 8

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Trace:
    """Grid arrays of the served days (``len(days) * SLOTS_PER_DAY`` slots) and their events."""

    days: I64
    times: I64
    """Reading instants (epoch ms): grid plus a few ms of jitter."""
    sgv: npt.NDArray[np.int16]
    glucose: F64
    """The clipped, unrounded trace (xDrip's ``delta`` is taken from it)."""
    delta: npt.NDArray[np.float32]
    trend: npt.NDArray[np.int8]
    present: npt.NDArray[np.bool_]
    """False in sensor warm-ups and signal-loss gaps: no entry is written."""
    iob: npt.NDArray[np.float32]
    cob: npt.NDArray[np.float32]
    events: Columns


def trend_codes(rate_per_min: F64) -> npt.NDArray[np.int8]:
    """Nightscout trend numbers (1 DoubleUp .. 7 DoubleDown) for rates in mg/dL per minute.

    Flat covers -1..1 inclusive; beyond it each arrow spans one more mg/dL per minute, its
    boundary belonging to the flatter arrow (DoubleUp above 3, DoubleDown below -3).
    """
    r = rate_per_min
    conditions = [r > 3, r > 2, r > 1, r >= -1, r >= -2, r >= -3]  # noqa: PLR2004 - Dexcom's edges
    return np.select(conditions, [1, 2, 3, 4, 5, 6], default=7).astype(np.int8)


def _gamma_pulse(x: F64) -> F64:
    """A response that peaks at 1 when ``x`` (time over time-to-peak) is 1 and then fades."""
    return x * x * np.exp(2.0 * (1.0 - x))


def _insulin_on_board(tau_min: F64) -> F64:
    """Share of a bolus still active ``tau_min`` minutes later (fades over ~6 hours)."""
    return (1.0 + tau_min / 75.0) * np.exp(-tau_min / 75.0)


def _carbs_on_board(tau_min: F64) -> F64:
    return np.clip(1.0 - tau_min / 180.0, 0.0, None)


@dataclass(frozen=True)
class _Grid:
    """The 5-minute grid of the generated range: ``slots`` slots from ``start`` (epoch ms)."""

    slots: int
    start: int

    def response(
        self,
        times: I64,
        amplitude: F64,
        *,
        minutes: float,
        shape: Callable[[F64], F64] = _gamma_pulse,
        length: int = _RESPONSE_SLOTS,
    ) -> F64:
        """Sum over events of ``amplitude * shape(tau / minutes)`` on the slots after each."""
        if len(times) == 0:
            return np.zeros(self.slots)
        first = -((self.start - times) // SLOT_MS)  # ceil((t - start) / SLOT)
        idx = first[:, None] + np.arange(length)[None, :]
        tau = (self.start + idx * SLOT_MS - times[:, None]) / _MIN_MS
        values = amplitude[:, None] * shape(tau / minutes)
        keep = (idx >= 0) & (idx < self.slots)
        summed = np.bincount(idx[keep], weights=values[keep], minlength=self.slots)
        return summed.astype(np.float64)


def _wander(seed: int, spec: SourceSpec, days: I64, in_day_ms: I64) -> F64:
    """Smooth random drift: cosine interpolation between knots every 2 hours."""
    k = np.arange(DAY_MS // _KNOT_MS)
    knots = np.empty((len(days), len(k) + 1))
    knots[:, :-1] = normal(seed, spec.index, Stream.KNOTS, days[:, None], k[None, :])
    knots[:, -1] = normal(seed, spec.index, Stream.KNOTS, days + 1, 0)  # next midnight's knot
    pos = in_day_ms / _KNOT_MS
    i = pos.astype(np.int64)
    w = (1.0 - np.cos(np.pi * (pos - i))) / 2.0
    rows = np.arange(len(days))[:, None]
    return _WANDER_SD * (knots[rows, i] * (1.0 - w) + knots[rows, i + 1] * w)


def _absent(seed: int, spec: SourceSpec, days: I64, nominal: I64) -> npt.NDArray[np.bool_]:
    """Slots without a reading: sensor warm-up after a change, and random signal loss."""
    starts = session_starts(seed, spec, days)[:, None]
    absent = (starts >= 0) & (nominal >= starts) & (nominal < starts + WARMUP_MS)
    g = uniform(seed, spec.index, Stream.GAPS, days[:, None], np.arange(6)[None, :])
    slot = np.arange(SLOTS_PER_DAY)[None, :]
    for happens, prob, begin, length in (
        (0, 0.35, 1, 3 + (g[:, 2] ** 2 * 34)),
        (3, 0.1, 4, 3 + g[:, 5] * 12),
    ):
        first = (g[:, begin] * SLOTS_PER_DAY).astype(np.int64)[:, None]
        gap = (
            (g[:, happens] < prob)[:, None]
            & (slot >= first)
            & (slot < first + length.astype(np.int64)[:, None])
        )
        absent |= gap
    return absent


def simulate_trace(
    seed: int, spec: SourceSpec, first_day: int, last_day: int, timeline: OffsetTimeline
) -> Trace:
    """Generate days ``first_day..last_day`` (days since the epoch, UTC) of one source."""
    days = np.arange(first_day - 1, last_day + 1, dtype=np.int64)  # one leading context day
    slot = np.arange(SLOTS_PER_DAY, dtype=np.int64)
    in_day = spec.phase_ms + slot * SLOT_MS
    nominal = days[:, None] * DAY_MS + in_day[None, :]
    jitter = (uniform(seed, spec.index, Stream.JITTER, days[:, None], slot[None, :]) * 8).astype(
        np.int64
    )
    local_ms = nominal + timeline.minutes(nominal).astype(np.int64) * _MIN_MS
    hour = (local_ms % DAY_MS) / 3_600_000

    glucose = (
        spec.base_glucose
        + 12.0 * np.sin(2 * np.pi * (hour - 15.0) / 24.0)
        + spec.dawn_amplitude * np.exp(-0.5 * ((hour - 6.5) / 1.3) ** 2)
        + _wander(seed, spec, days, np.broadcast_to(in_day, nominal.shape))
        + _NOISE_SD * normal(seed, spec.index, Stream.NOISE, days[:, None], slot[None, :])
    ).ravel()

    events = day_events(seed, spec, days, timeline)
    grid = _Grid(glucose.size, int(nominal[0, 0]))
    ev, at = events["event"], events["created"]
    # Meals: carbs raise glucose within the hour, the bolus pulls it back down later (too far
    # when it was too big for the meal: `mismatch` > 1).
    meal = ev == EV_MEAL
    rise = 2.4 * events["carbs"][meal]
    glucose += grid.response(at[meal], rise, minutes=55.0)
    glucose -= grid.response(at[meal], 0.55 * rise * events["mismatch"][meal], minutes=110.0)
    corr = ev == EV_CORRECTION
    glucose -= grid.response(
        at[corr], 0.5 * spec.sensitivity * events["insulin"][corr], minutes=100.0
    )
    resc = ev == EV_CARB_CORRECTION
    glucose -= grid.response(at[resc] - RESCUE_DELAY_MS, events["depth"][resc], minutes=45.0)
    glucose += grid.response(at[resc], 2.5 * events["carbs"][resc], minutes=35.0)
    glucose = np.clip(glucose, _GLUCOSE_MIN, _GLUCOSE_MAX)

    bolus, carbs = np.nan_to_num(events["insulin"]), np.nan_to_num(events["carbs"])
    iob = grid.response(at, bolus, minutes=1.0, shape=_insulin_on_board, length=72)
    cob = grid.response(at, carbs, minutes=1.0, shape=_carbs_on_board, length=36)

    times = (nominal + jitter).ravel()
    sgv = np.rint(glucose).astype(np.int16)
    present = ~_absent(seed, spec, days, nominal).ravel()
    step = np.diff(sgv.astype(np.float64), prepend=np.nan)
    minutes = np.diff(times, prepend=times[0] - SLOT_MS) / _MIN_MS
    trend = trend_codes(np.nan_to_num(step / minutes))
    prev_present = np.concatenate([[False], present[:-1]])
    trend = np.where(prev_present, trend, TREND_NOT_COMPUTABLE).astype(np.int8)
    delta = np.round(np.diff(glucose, prepend=np.nan), 3).astype(np.float32)

    events = _fill_bg_checks(seed, spec, events, glucose, grid.start)
    served = slice(SLOTS_PER_DAY, None)  # drop the context day
    keep_events = at >= (first_day * DAY_MS)
    return Trace(
        days=days[1:],
        times=times[served],
        sgv=sgv[served],
        glucose=glucose[served],
        delta=delta[served],
        trend=trend[served],
        present=present[served],
        iob=iob[served].astype(np.float32),
        cob=cob[served].astype(np.float32),
        events=events.take(keep_events),
    )


def _fill_bg_checks(
    seed: int, spec: SourceSpec, events: Columns, glucose: F64, grid0: int
) -> Columns:
    """Meter readings: the trace at the check time with a few percent of meter error."""
    check = events["event"] == EV_BG_CHECK
    slot = np.clip((events["created"] - grid0 + SLOT_MS // 2) // SLOT_MS, 0, len(glucose) - 1)
    error = 1.0 + 0.04 * normal(seed, spec.index, Stream.DAY_EVENTS, events["created"], -1)
    values = np.where(check, np.rint(glucose[slot] * error), events["glucose"])
    return events.replace(glucose=values)
