"""Daily life as treatment events: meals, boluses, hypo rescues, temp basals, sensor changes.

Events of UTC day ``d`` are a pure function of ``(seed, source, d)`` and of the local clock, so
the same day always has the same meals. Meal times follow the local clock: a slot such as
breakfast at 07:30 is placed at the UTC instant of day ``d`` whose local time of day is 07:30.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from glucolake.simulate.cohort import UPLOADER_CARE, UPLOADER_LOOP, SourceSpec
from glucolake.simulate.columns import Columns
from glucolake.simulate.keyed_random import Stream, uniform
from glucolake.simulate.timezones import DAY_MS, OffsetTimeline

__all__ = [
    "ENTERED_BY",
    "EVENT_TYPES",
    "EV_BG_CHECK",
    "EV_CARB_CORRECTION",
    "EV_CORRECTION",
    "EV_MEAL",
    "EV_SENSOR",
    "EV_TEMP_BASAL",
    "RESCUE_DELAY_MS",
    "SESSION_DAYS",
    "WARMUP_MS",
    "day_events",
    "session_starts",
]

EVENT_TYPES = (
    "Meal Bolus",
    "Correction Bolus",
    "Carb Correction",
    "Temp Basal",
    "Sensor Change",
    "BG Check",
)
EV_MEAL, EV_CORRECTION, EV_CARB_CORRECTION, EV_TEMP_BASAL, EV_SENSOR, EV_BG_CHECK = range(6)
ENTERED_BY = ("loop://iPhone", "careportal", "xdrip")

HOUR_MS = 3_600_000
SESSION_DAYS = 10
WARMUP_MS = 2 * HOUR_MS

# Meal slots: local hour, probability the meal happens, mean carbs (g).
_MEAL_HOURS = np.array([7.5, 12.75, 19.0, 22.0])
_MEAL_PROB = np.array([0.92, 0.85, 0.95, 0.35])
_MEAL_CARBS = np.array([45.0, 55.0, 65.0, 20.0])
_CORRECTION_PROB = 0.35
_HYPO_PROB = 0.12
RESCUE_DELAY_MS = 40 * 60_000
_TEMP_SLOTS = 8
_TEMP_PROB = 0.7
_BG_CHECK_SLOTS = 2
_BG_CHECK_PROB = 0.5

# Draw indices inside Stream.DAY_EVENTS (part of the data contract: append, never renumber).
_IDX_MEAL = 0  # + 10 * slot + {0 happens, 1 time, 2 carbs, 3 mismatch}
_IDX_CORRECTION = 50  # + {0 happens, 1 time, 2 units}
_IDX_HYPO = 60  # + {0 happens, 1 time, 2 depth, 3 rescue carbs}
_IDX_TEMP = 100  # + 4 * slot + {0 happens, 1 time, 2 value}
_IDX_BG = 200  # + 4 * slot + {0 happens, 1 time}


def session_starts(
    seed: int, spec: SourceSpec, days: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Sensor-session start instants (epoch ms) per day, or -1 on days without a new sensor."""
    u = uniform(seed, spec.index, Stream.SESSION, days)
    starts = days * DAY_MS + (6 * HOUR_MS + u * 12 * HOUR_MS).astype(np.int64)
    is_start = (days + spec.session_offset) % SESSION_DAYS == 0
    return np.where(is_start, starts, -1)


def _local_time_in_day(
    days: npt.NDArray[np.int64], local_hours: npt.NDArray[np.float64], timeline: OffsetTimeline
) -> npt.NDArray[np.int64]:
    """UTC instants within each day whose local time of day is ``local_hours``."""
    offset_ms = timeline.minutes(days * DAY_MS).astype(np.int64) * 60_000
    utc_in_day = (np.rint(local_hours * HOUR_MS).astype(np.int64) - offset_ms[:, None]) % DAY_MS
    return days[:, None] * DAY_MS + utc_in_day


def day_events(
    seed: int, spec: SourceSpec, days: npt.NDArray[np.int64], timeline: OffsetTimeline
) -> Columns:
    """All treatment events of ``days``, sorted by time.

    Columns: ``created`` (epoch ms), ``event`` (index into ``EVENT_TYPES``), ``carbs``,
    ``insulin``, ``duration``, ``absolute``, ``percent``, ``glucose`` (NaN where absent; BG
    checks get their ``glucose`` from the trace), ``entered`` (index into ``ENTERED_BY``),
    ``uploader``, and two hidden inputs of the trace: ``mismatch`` (how well a meal bolus fitted
    the real meal) and ``depth`` (mg/dL of the hypo that a rescue treats).
    """
    parts: list[dict[str, npt.NDArray[Any]]] = []
    ev = uniform(seed, spec.index, Stream.DAY_EVENTS, days[:, None], np.arange(256)[None, :])

    # Meals: the carbs are entered with a bolus; `mismatch` says how well the bolus fitted.
    m = _IDX_MEAL + 10 * np.arange(4)
    happens = ev[:, m] < _MEAL_PROB
    times = _local_time_in_day(days, _MEAL_HOURS + (ev[:, m + 1] - 0.5) * 1.5, timeline)
    carbs = np.rint(_MEAL_CARBS * (0.6 + 0.8 * ev[:, m + 2]))
    insulin = np.round(carbs / spec.carb_ratio * 20) / 20
    mismatch = 0.5 + 1.0 * ev[:, m + 3]
    parts.append(
        _event(
            EV_MEAL,
            times[happens],
            carbs=carbs[happens],
            insulin=insulin[happens],
            mismatch=mismatch[happens],
        )
    )

    c = _IDX_CORRECTION
    corrects = ev[:, c] < _CORRECTION_PROB
    at = days * DAY_MS + (ev[:, c + 1] * DAY_MS).astype(np.int64)
    units = np.round((0.5 + 2.5 * ev[:, c + 2]) * 20) / 20
    parts.append(_event(EV_CORRECTION, at[corrects], insulin=units[corrects]))

    # A hypo starts at `onset` (the dip is drawn in traces.py); the person eats rescue carbs
    # RESCUE_DELAY_MS later. Onset and rescue both stay inside the day that drew them.
    h = _IDX_HYPO
    hypo = ev[:, h] < _HYPO_PROB
    onset = days * DAY_MS + (ev[:, h + 1] * (DAY_MS - RESCUE_DELAY_MS)).astype(np.int64)
    rescue = np.rint(12 + 10 * ev[:, h + 3])
    parts.append(
        _event(
            EV_CARB_CORRECTION,
            onset[hypo] + RESCUE_DELAY_MS,
            carbs=rescue[hypo],
            depth=60 + 45 * ev[hypo, h + 2],
        )
    )

    t = _IDX_TEMP + 4 * np.arange(_TEMP_SLOTS)
    happens = ev[:, t] < _TEMP_PROB
    hours = 3.0 * np.arange(_TEMP_SLOTS) + 2.5 * ev[:, t + 1]
    times = days[:, None] * DAY_MS + np.rint(hours * HOUR_MS).astype(np.int64)
    if spec.basal_style == "absolute":
        rate = np.round(spec.basal_rate * (0.2 + 1.6 * ev[:, t + 2]), 2)
        parts.append(
            _event(
                EV_TEMP_BASAL,
                times[happens],
                absolute=rate[happens],
                duration=np.full(happens.sum(), 30.0),
            )
        )
    else:
        pct = np.round((ev[:, t + 2] * 1.6 - 0.8) * 10) * 10
        parts.append(
            _event(
                EV_TEMP_BASAL,
                times[happens],
                percent=pct[happens],
                duration=np.full(happens.sum(), 30.0),
            )
        )

    b = _IDX_BG + 4 * np.arange(_BG_CHECK_SLOTS)
    happens = ev[:, b] < _BG_CHECK_PROB
    times = _local_time_in_day(days, 7.0 + 15.0 * ev[:, b + 1], timeline)
    parts.append(
        _event(
            EV_BG_CHECK,
            times[happens],
            entered=ENTERED_BY.index("careportal"),
            uploader=UPLOADER_CARE,
        )
    )

    starts = session_starts(seed, spec, days)
    starts = starts[starts >= 0]
    parts.append(
        _event(EV_SENSOR, starts, entered=ENTERED_BY.index("xdrip"), uploader=UPLOADER_CARE)
    )

    merged = Columns.concat([Columns(p) for p in parts])
    return merged.take(np.argsort(merged["created"], kind="stable"))


def _event(
    event: int,
    times: npt.NDArray[np.int64],
    *,
    entered: int = 0,
    uploader: int = UPLOADER_LOOP,
    **values: npt.NDArray[np.float64],
) -> dict[str, npt.NDArray[Any]]:
    n = len(times)
    nan = np.full(n, np.nan)
    return {
        "created": times.astype(np.int64),
        "event": np.full(n, event, dtype=np.int8),
        "carbs": values.get("carbs", nan),
        "insulin": values.get("insulin", nan),
        "duration": values.get("duration", nan),
        "absolute": values.get("absolute", nan),
        "percent": values.get("percent", nan),
        "glucose": nan,
        "mismatch": values.get("mismatch", nan),
        "depth": values.get("depth", nan),
        "entered": np.full(n, entered, dtype=np.int8),
        "uploader": np.full(n, uploader, dtype=np.int8),
    }
