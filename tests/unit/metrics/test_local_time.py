from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from glucolake.metrics import local_day_numbers, local_midnight_ms, utc_offsets_ms

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",  # switches at local midnight
    "Australia/Lord_Howe",  # 30-min DST shift, one switch in the middle of a UTC hour
    "Asia/Kolkata",
    "Etc/GMT+5",
    "UTC",
]


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def _expected_offset_ms(zone: ZoneInfo, epoch_ms: int) -> int:
    moment = datetime.fromtimestamp(epoch_ms // 1000, tz=UTC).astimezone(zone)
    offset = moment.utcoffset()
    assert offset is not None
    return int(offset.total_seconds()) * 1000


@pytest.mark.parametrize("tz", ZONES)
def test_offsets_match_zoneinfo_reading_by_reading_for_a_year(tz):
    rng = np.random.default_rng(11)
    start = _ms("2024-01-01T00:00:00+00:00")
    times = start + np.arange(0, 366 * 86_400_000, 37 * 60_000 + 13_001, dtype=np.int64)
    times = times + rng.integers(0, 1000, times.size)
    zone = ZoneInfo(tz)
    expected = np.array([_expected_offset_ms(zone, int(t)) for t in times])
    assert np.array_equal(utc_offsets_ms(times, tz), expected)
    shuffled = rng.permutation(times.size)
    assert np.array_equal(utc_offsets_ms(times[shuffled], tz), expected[shuffled])


def test_offsets_right_at_a_switch_in_the_middle_of_an_hour():
    switch = _ms("2024-10-05T15:30:00+00:00")  # Lord Howe: +10:30 → +11:00
    times = np.array([switch - 1000, switch, switch + 1000], dtype=np.int64)
    half_hour = 1_800_000
    expected = [21 * half_hour, 22 * half_hour, 22 * half_hour]
    assert utc_offsets_ms(times, "Australia/Lord_Howe").tolist() == expected


def test_no_instants_no_offsets():
    assert utc_offsets_ms(np.array([], dtype=np.int64), "Europe/Berlin").size == 0


def test_local_days_follow_the_wall_clock_across_dst():
    berlin = ZoneInfo("Europe/Berlin")
    local = [
        datetime(2024, 3, 30, 23, 30, tzinfo=berlin),
        datetime(2024, 3, 31, 0, 30, tzinfo=berlin),  # 23:30 UTC the day before
        datetime(2024, 3, 31, 3, 30, tzinfo=berlin),  # just after the switch
        datetime(2024, 10, 27, 2, 30, fold=0, tzinfo=berlin),  # repeated hour, first pass
        datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=berlin),  # and second pass
    ]
    times = np.array([int(moment.timestamp() * 1000) for moment in local], dtype=np.int64)
    epoch_day = date(1970, 1, 1)
    expected = [(moment.date() - epoch_day).days for moment in local]
    assert local_day_numbers(times, "Europe/Berlin").tolist() == expected


@pytest.mark.parametrize(
    ("tz", "reading", "midnight"),
    [
        ("Europe/Berlin", "2024-03-31T14:00:00+02:00", "2024-03-30T23:00:00+00:00"),
        ("Europe/Berlin", "2024-10-27T23:59:00+01:00", "2024-10-26T22:00:00+00:00"),
        ("Etc/GMT+5", "2015-06-06T16:50:27-05:00", "2015-06-06T05:00:00+00:00"),
        # Santiago springs forward at 00:00: the day begins at 01:00 local, the switch.
        ("America/Santiago", "2024-09-08T12:00:00-03:00", "2024-09-08T04:00:00+00:00"),
        ("Asia/Kolkata", "2024-01-01T00:00:00+05:30", "2023-12-31T18:30:00+00:00"),
    ],
)
def test_local_midnight(tz, reading, midnight):
    assert local_midnight_ms(_ms(reading), tz) == _ms(midnight)
