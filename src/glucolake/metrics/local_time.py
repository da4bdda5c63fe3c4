"""UTC instants to a source's local wall clock, vectorised over one source's readings.

iglu takes calendar days (ADRR) and the midnight that anchors its interpolation grid in the
POSIXct time zone of the data (METRICS.md §3, §5). Here that zone is the source's IANA zone, and
the conversion uses :mod:`zoneinfo`, so daylight-saving changes are honoured.

Converting every reading through :class:`datetime.datetime` would cost about a microsecond each.
Instead the UTC offset is looked up at the start of each distinct UTC day (and of the day after
it); only in a day whose two offsets differ (a switch) is it looked up by the hour, and only in
such an hour reading by reading. This is exact as long as a zone never switches twice within
one day: no zone of the tz database has two transitions less than 48 hours apart since 1970.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np

from glucolake.metrics.readings import MS_PER_DAY

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["local_day_numbers", "local_midnight_ms", "utc_offsets_ms"]

_MS_PER_SECOND = 1000
_MS_PER_HOUR = 3_600_000


def _offset_ms(zone: ZoneInfo, epoch_ms: int) -> int:
    """The zone's UTC offset in milliseconds at one instant."""
    offset = datetime.fromtimestamp(epoch_ms // _MS_PER_SECOND, tz=zone).utcoffset()
    if offset is None:  # pragma: no cover - a ZoneInfo always has an offset
        raise ValueError(f"time zone {zone.key} has no UTC offset")
    return (offset.days * 86_400 + offset.seconds) * _MS_PER_SECOND


def utc_offsets_ms(epoch_ms: NDArray[np.int64], tz: str) -> NDArray[np.int64]:
    """The UTC offset of ``tz`` at each instant, in milliseconds (local = UTC + offset).

    Args:
        epoch_ms: UTC instants in milliseconds since the epoch, fastest when sorted.
        tz: An IANA time zone name such as ``Europe/Berlin`` or ``Etc/GMT+5``.

    Returns:
        One int64 offset per instant.
    """
    zone = ZoneInfo(tz)
    offsets = np.zeros(epoch_ms.size, dtype=np.int64)
    pending = np.arange(epoch_ms.size)
    for period_ms in (MS_PER_DAY, _MS_PER_HOUR):
        if pending.size == 0:
            break
        steady, found = _steady_offsets(epoch_ms[pending], zone, period_ms)
        offsets[pending[steady]] = found
        pending = pending[~steady]
    # Readings in an hour that contains a switch are looked up one by one.
    for index in pending.tolist():
        offsets[index] = _offset_ms(zone, int(epoch_ms[index]))
    return offsets


def _steady_offsets(
    epoch_ms: NDArray[np.int64], zone: ZoneInfo, period_ms: int
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Which instants lie in a period of ``period_ms`` without a switch, and their offsets.

    A period has no switch when the offset at its start equals the one at the next period's.
    """
    periods = epoch_ms // period_ms
    if np.all(periods[1:] >= periods[:-1]):
        is_new = np.r_[True, periods[1:] != periods[:-1]]
        distinct, position = periods[is_new], np.cumsum(is_new) - 1
    else:
        distinct, position = np.unique(periods, return_inverse=True)
    boundaries = np.union1d(distinct, distinct + 1)
    at_boundary = np.array(
        [_offset_ms(zone, period * period_ms) for period in boundaries.tolist()], dtype=np.int64
    )
    at_start = at_boundary[np.searchsorted(boundaries, distinct)]
    at_next = at_boundary[np.searchsorted(boundaries, distinct + 1)]
    steady = (at_start == at_next)[position]
    found: NDArray[np.int64] = at_start[position][steady]
    return steady, found


def local_day_numbers(epoch_ms: NDArray[np.int64], tz: str) -> NDArray[np.int64]:
    """The local calendar day of each instant, as days since 1970-01-01 on the local wall clock."""
    local_ms = epoch_ms + utc_offsets_ms(epoch_ms, tz)
    days: NDArray[np.int64] = local_ms // MS_PER_DAY
    return days


def local_midnight_ms(epoch_ms: int, tz: str) -> int:
    """The UTC instant at which the local calendar day of ``epoch_ms`` begins.

    That is 00:00 local time, taken with ``fold=0``: where midnight is repeated (a fall-back
    switch at 01:00) this is its first occurrence, and where midnight does not exist (zones that
    spring forward at 00:00) :mod:`zoneinfo` resolves it with the offset before the switch, which
    is exactly the switch instant, the first moment of that local day.
    """
    zone = ZoneInfo(tz)
    local = datetime.fromtimestamp(epoch_ms // _MS_PER_SECOND, tz=zone)
    midnight = datetime.combine(local.date(), time(0), tzinfo=zone)
    seconds = int(midnight.timestamp())
    return seconds * _MS_PER_SECOND
