"""A source's report data, made up: enough for every chart, with one day without readings."""

from __future__ import annotations

from datetime import date, timedelta

from glucolake.report.data import AgpCurve, DailyProfile, SourceReport

NEWEST_DAY = date(2026, 11, 20)
MISSING_DAY = NEWEST_DAY - timedelta(days=5)


def make_report(source_id: str = "alice") -> SourceReport:
    hours = [q / 4 for q in range(96)]
    agp = AgpCurve(
        hours=hours,
        p05=[60.0 + h for h in hours],
        p25=[90.0 + h for h in hours],
        p50=[120.0 + h for h in hours],
        p75=[150.0 + h for h in hours],
        p95=[220.0 + h for h in hours],
    )
    profiles = [
        DailyProfile(day, [m / 60 for m in range(0, 1440, 5)], [100.0 + i] * 288)
        for i in range(14)
        if (day := NEWEST_DAY - timedelta(days=13 - i)) != MISSING_DAY
    ]
    summary = {
        "source_id": source_id,
        "n_readings": 3700,
        "active_percent": 92.0,
        "mean_glucose": 151.0,
        "gmi": 6.9,
        "cv_glucose": 33.0,
        "gri": 30.0,
        "below_54": 1.0,
        "below_70": 3.5,
        "in_range_70_180": 71.0,
        "above_180": 25.5,
        "above_250": 5.5,
    }
    hourly = [(weekday, hour, 100.0 + hour) for weekday in range(1, 8) for hour in range(24)]
    return SourceReport(source_id, summary, agp, profiles, hourly[:-1])  # no Sunday 23:00
