"""Time as documents show it: UTC offsets of an IANA zone, and ISO strings, both vectorised.

Documents carry ``utcOffset`` and the glucose pattern follows the local clock, for millions of
timestamps. Calling :mod:`zoneinfo` per timestamp is far too slow, so the offsets over a range of
days are reduced to change points (one per DST switch) and looked up with ``searchsorted``.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

__all__ = ["DAY_MS", "OffsetTimeline", "iso_strings", "offset_timeline"]

DAY_MS = 86_400_000
_MINUTE_MS = 60_000


def _offset_minutes(zone: ZoneInfo, ms: int) -> int:
    instant = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    offset = instant.astimezone(zone).utcoffset()
    return 0 if offset is None else int(offset.total_seconds() // 60)


@dataclass(frozen=True)
class OffsetTimeline:
    """Piecewise-constant UTC offsets: ``offsets[i]`` holds from ``starts[i]`` (epoch ms) on."""

    starts: npt.NDArray[np.int64]
    offsets: npt.NDArray[np.int16]

    def minutes(self, ms: npt.ArrayLike) -> npt.NDArray[np.int16]:
        """The UTC offset in minutes at each epoch-ms instant."""
        idx = np.searchsorted(self.starts, np.asarray(ms, dtype=np.int64), side="right") - 1
        return self.offsets[np.clip(idx, 0, len(self.offsets) - 1)]


@functools.lru_cache(maxsize=64)
def offset_timeline(tz_name: str, first_day: int, last_day: int) -> OffsetTimeline:
    """Offsets of ``tz_name`` from the start of ``first_day`` to the end of ``last_day``.

    Days are counted since 1970-01-01 (UTC). Within a day the switch instant is found to the
    minute by bisection, which is exact for every zone in the tz database.
    """
    zone = ZoneInfo(tz_name)
    starts = [first_day * DAY_MS]
    offsets = [_offset_minutes(zone, starts[0])]
    for day in range(first_day, last_day + 1):
        end = (day + 1) * DAY_MS
        end_offset = _offset_minutes(zone, end)
        if end_offset == offsets[-1]:
            continue
        lo, hi = day * DAY_MS, end  # offset(lo) == offsets[-1], offset(hi) differs
        while hi - lo > _MINUTE_MS:
            mid = lo + (hi - lo) // 2 // _MINUTE_MS * _MINUTE_MS
            mid = max(mid, lo + _MINUTE_MS)
            if _offset_minutes(zone, mid) == offsets[-1]:
                lo = mid
            else:
                hi = mid
        starts.append(hi)
        offsets.append(_offset_minutes(zone, hi))
    return OffsetTimeline(np.array(starts, dtype=np.int64), np.array(offsets, dtype=np.int16))


def iso_strings(ms: npt.ArrayLike) -> list[str]:
    """``Date.prototype.toISOString()`` of epoch milliseconds, vectorised."""
    stamps = np.asarray(ms, dtype=np.int64).astype("datetime64[ms]")
    return [s + "Z" for s in np.datetime_as_string(stamps, unit="ms").tolist()]
