"""Sources from a CSV of readings (``id,time,gl``), served exactly as given.

This is how reference data with known metrics goes through the real pipeline: every reading
becomes one sgv entry whose ``date`` is the instant of the naive local ``time`` in the given
time zone and whose ``sgv`` is ``gl``. Nothing is generated or perturbed.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import math
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np

from glucolake.simulate.cohort import STYLE_SHARE, make_spec, slugify_source_id
from glucolake.simulate.dataset import SourceData, build_reading_source
from glucolake.simulate.timezones import DAY_MS, offset_timeline
from glucolake.simulate.traces import TREND_NOT_COMPUTABLE, trend_codes

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["load_csv_sources"]

_REQUIRED = ("id", "time", "gl")
_TREND_MAX_GAP_MS = 15 * 60_000  # beyond this the previous reading says nothing about the trend
_MARGIN_DAYS = 8
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _instant_ms(text: str, zone: ZoneInfo, where: str) -> int:
    try:
        local = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{where}: time {text!r} is not ISO 8601") from exc
    if local.tzinfo is not None:
        raise ValueError(
            f"{where}: time {text!r} carries an offset; the CSV must hold wall-clock times"
        )
    return (local.replace(tzinfo=zone) - _EPOCH) // dt.timedelta(milliseconds=1)


def _glucose(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise ValueError(f"{where}: gl {text!r} is not a number") from exc
    if math.isnan(value):
        raise ValueError(f"{where}: gl is NaN")
    return value


def _read(path: Path, zone: ZoneInfo) -> dict[str, tuple[list[int], list[float]]]:
    readings: dict[str, tuple[list[int], list[float]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing columns {missing} (need {', '.join(_REQUIRED)})")
        for line, row in enumerate(reader, start=2):
            where = f"{path}:{line}"
            times, values = readings.setdefault(row["id"], ([], []))
            times.append(_instant_ms(row["time"], zone, where))
            values.append(_glucose(row["gl"], where))
    return readings


def load_csv_sources(path: Path, timezone: str, seed: int) -> list[SourceData]:
    """One source per distinct ``id`` (``"Subject 1"`` -> ``subject-1``), in order of appearance.

    Raises:
        ValueError: On a missing column, an unparsable value, or two ids with the same slug.
    """
    zone = ZoneInfo(timezone)
    sources: list[SourceData] = []
    seen: dict[str, str] = {}
    for index, (raw_id, (times, values)) in enumerate(_read(path, zone).items()):
        source_id = slugify_source_id(raw_id)
        if source_id in seen:
            raise ValueError(
                f"{path}: ids {seen[source_id]!r} and {raw_id!r} both become {source_id!r}"
            )
        seen[source_id] = raw_id
        order = np.argsort(np.array(times, dtype=np.int64), kind="stable")
        inst = np.array(times, dtype=np.int64)[order]
        gl = np.array(values, dtype=np.float64)[order]
        sgv = (
            gl.astype(np.int16) if np.all(gl == np.rint(gl)) and np.all(np.abs(gl) < 2**15) else gl
        )
        gap = np.diff(inst, prepend=inst[:1] - _TREND_MAX_GAP_MS - 1)
        rate = np.diff(gl, prepend=gl[:1]) / np.maximum(gap, 1) * 60_000
        trend = np.where(gap <= _TREND_MAX_GAP_MS, trend_codes(rate), TREND_NOT_COMPUTABLE).astype(
            np.int8
        )
        spec = dataclasses.replace(make_spec(seed, index, source_id, timezone), style=STYLE_SHARE)
        timeline = offset_timeline(
            timezone, int(inst[0]) // DAY_MS - 2, int(inst[-1]) // DAY_MS + _MARGIN_DAYS
        )
        sources.append(
            build_reading_source(seed, spec, inst=inst, sgv=sgv, trend=trend, timeline=timeline)
        )
    return sources
