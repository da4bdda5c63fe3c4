"""What the report reads from the marts: the last 14 local days, in order, per source."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from glucolake.report.data import read_report_data
from glucolake.settings import Settings

NEWEST = date(2026, 11, 20)
SUMMARY_COLUMNS = (
    "n_readings, active_percent, mean_glucose, gmi, cv_glucose, gri, "
    "below_54, below_70, in_range_70_180, above_180, above_250, sd_glucose"
)


@pytest.fixture
def settings(tmp_path):
    """A DuckDB warehouse with the four marts the report reads, filled by hand."""
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute("create schema marts")
    connection.execute(
        f'create table marts.mart_glucose_summary (source_id varchar, "window" varchar, '
        f"{', '.join(f'{c.strip()} double' for c in SUMMARY_COLUMNS.split(','))})"
    )
    for source, window in [("bob", "14d"), ("alice", "14d"), ("alice", "all"), ("carol", "all")]:
        connection.execute(
            "insert into marts.mart_glucose_summary values (?, ?, 100, 90, 150, 6.9, 30, 25, "
            "1, 3, 72, 25, 5, 40)",
            [source, window],
        )
    connection.execute(
        "create table marts.mart_glucose_agp as "
        "select source_id, q as local_quarter_hour, q * 15 as minutes_after_midnight, "
        "10 as n_readings, 100.0 + q as p05, 110.0 + q as p25, 120.0 + q as p50, "
        "130.0 + q as p75, 140.0 + q as p95 "
        "from (values ('alice'), ('bob'), ('carol')) s(source_id), range(95, -1, -1) r(q)"
    )
    # Fifteen local days of readings (the mart's 14 × 24 hours reach into a fifteenth), every
    # 5 minutes, stored out of order; bob has no readings on one of the 14 days.
    connection.execute(
        "create table marts.mart_glucose_daily_profiles as "
        "select source_id, $newest::date - d::integer as local_date, m as local_minute_of_day, "
        "100.0 + m / 10 as glucose_mg_dl, 'in_range' as glucose_range, d as days_before_newest "
        "from (values ('alice'), ('bob'), ('carol')) s(source_id), range(0, 15) a(d), "
        "range(1435, -5, -5) b(m) where not (source_id = 'bob' and d = 3) order by random()",
        {"newest": NEWEST},
    )
    connection.execute(
        "create table marts.mart_glucose_hourly_patterns as "
        "select 'alice' as source_id, w as local_iso_weekday, h as local_hour, "
        "10 as n_readings, 100.0 + h as mean_glucose "
        "from range(1, 8) a(w), range(0, 24) b(h)"
    )
    connection.close()
    return Settings.load({"GLUCOLAKE_HOME": str(tmp_path)}, require_sources=False)


def test_one_report_per_source_with_a_14_day_summary(settings):
    reports = read_report_data(settings)
    assert [r.source_id for r in reports] == ["alice", "bob"]  # carol has no 14-day window
    alice = reports[0]
    assert alice.summary["in_range_70_180"] == 72
    assert "sd_glucose" not in alice.summary  # the page does not show it


def test_daily_profiles_are_the_last_14_local_days_in_time_order(settings):
    alice, bob = read_report_data(settings)
    days = [NEWEST - timedelta(days=13 - i) for i in range(14)]
    assert [p.local_date for p in alice.profiles] == days
    assert alice.days == 14
    assert [p.local_date for p in bob.profiles] == [d for d in days if d != NEWEST - timedelta(3)]
    assert bob.days == 13
    first = alice.profiles[0]
    assert len(first.hours) == len(first.glucose) == 288
    assert first.hours[:3] == [0.0, 0.0833, 0.1667]  # hours, to 4 decimals
    assert first.hours == sorted(first.hours)
    assert first.glucose[1] == 100.5


def test_agp_and_heatmap_come_in_the_charts_shape(settings):
    alice, bob = read_report_data(settings)
    assert alice.agp.hours == [q / 4 for q in range(96)]
    assert alice.agp.p50 == [120.0 + q for q in range(96)]
    assert len(alice.hourly) == 7 * 24
    assert (1, 5, 105.0) in alice.hourly
    assert bob.hourly == []
