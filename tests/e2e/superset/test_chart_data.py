"""Every chart's data, through Superset's chart data API, against the marts queried directly.

Values are compared one by one; every chart's SQL is compared with superset/chart_queries/ (the
benchmark's contract; `REGENERATE=1` rewrites those files). Superset and the warehouse are the
fixtures of conftest.py.
"""

from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

QUERIES = Path(__file__).parents[3] / "superset" / "chart_queries"
EPOCH = date(1970, 1, 1)
DAY_MS = 86_400_000


def _data(superset, chart_id: int) -> list[list[dict]]:
    response = superset["api"].get(f"{superset['url']}/api/v1/chart/{chart_id}/data/", timeout=120)
    assert response.status_code == 200, response.text[:2000]
    return [result["data"] for result in response.json()["result"]]


def _close(actual, expected, what: str) -> None:
    assert actual is not None, what
    assert math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-9), (
        f"{what}: Superset {actual} != mart {expected}"
    )


def _day_ms(day: date) -> float:
    return float((day - EPOCH).days * DAY_MS)


def _pooled(rows, key, value, weight):
    """sum(value × weight) / sum(weight) per key: what a weighted metric does in SQL."""
    sums: dict = defaultdict(lambda: [0.0, 0.0])
    for row in rows:
        sums[key(row)][0] += float(row[value]) * float(row[weight])
        sums[key(row)][1] += float(row[weight])
    return {k: total / n for k, (total, n) in sums.items() if n}


def _recent_readings(marts):
    """The glucose_recent_readings dataset, computed here from the mart by other means."""
    rows = marts["mart_glucose_daily_profiles"]
    newest: dict[str, date] = {}
    for row in rows:
        source = row["source_id"]
        newest[source] = max(newest.get(source, row["local_date"]), row["local_date"])
    return [
        {
            **row,
            "ms": _day_ms(row["local_date"]) + row["local_minute_of_day"] * 60_000,
            "days_before_newest": (newest[row["source_id"]] - row["local_date"]).days,
        }
        for row in rows
    ]


def test_current_glucose_is_the_newest_reading(superset, charts, marts):
    [series] = _data(superset, charts["current_glucose"])
    readings = [r for r in _recent_readings(marts) if r["days_before_newest"] <= 1]
    expected = defaultdict(list)
    for r in readings:
        expected[r["ms"]].append(float(r["glucose_mg_dl"]))
    assert sorted(p["reading_local_at"] for p in series) == sorted(expected)
    for point in series:
        values = expected[point["reading_local_at"]]
        _close(point["avg_glucose_mg_dl"], sum(values) / len(values), "current glucose series")
    # With the dashboard's source filter on one patient, the big number is that patient's
    # newest reading, as the overview mart has it.
    chart = superset["api"].get(f"{superset['url']}/api/v1/chart/{charts['current_glucose']}")
    context = json.loads(chart.json()["result"]["query_context"])
    current = {r["source_id"]: r["current_glucose_mg_dl"] for r in marts["mart_glucose_overview"]}
    for source_id, glucose in current.items():
        for query in context["queries"]:
            query["filters"] = [{"col": "source_id", "op": "IN", "val": [source_id]}]
        response = superset["api"].post(
            f"{superset['url']}/api/v1/chart/data", json=context, timeout=120
        )
        assert response.status_code == 200, response.text[:2000]
        [result] = response.json()["result"]
        newest = max(result["data"], key=lambda p: p["reading_local_at"])
        _close(newest["avg_glucose_mg_dl"], glucose, f"current glucose of {source_id}")


def test_seven_day_trend_is_hourly_means_per_source(superset, charts, marts):
    """The chart reads the hourly trend mart; its values are the readings' own hourly means."""
    [rows] = _data(superset, charts["glucose_trend_7d"])
    readings = [r for r in _recent_readings(marts) if r["days_before_newest"] < 7]
    hourly = defaultdict(list)
    for r in readings:
        hourly[(r["ms"] // 3_600_000 * 3_600_000, r["source_id"])].append(r["glucose_mg_dl"])
    got = {
        (row["local_hour_start"], source): value
        for row in rows
        for source, value in row.items()
        if source != "local_hour_start" and value is not None
    }
    assert set(got) == set(hourly)
    for key, values in hourly.items():
        _close(got[key], sum(values) / len(values), f"hourly mean {key}")
    # Without a series per source, an hour is the mean of all the sources' readings in it: the
    # mart's hourly means weighted by their readings, not a mean of the means.
    chart = superset["api"].get(f"{superset['url']}/api/v1/chart/{charts['glucose_trend_7d']}")
    context = json.loads(chart.json()["result"]["query_context"])
    [query] = context["queries"]
    query["columns"] = [c for c in query["columns"] if c != "source_id"]
    query["series_columns"], query["post_processing"] = [], []
    response = superset["api"].post(
        f"{superset['url']}/api/v1/chart/data", json=context, timeout=120
    )
    assert response.status_code == 200, response.text[:2000]
    [result] = response.json()["result"]
    pooled = defaultdict(list)
    for (hour, _), values in hourly.items():
        pooled[hour] += values
    assert {point["local_hour_start"] for point in result["data"]} == set(pooled)
    for point in result["data"]:
        values = pooled[point["local_hour_start"]]
        _close(point["mean_glucose_mg_dl"], sum(values) / len(values), "pooled hourly mean")


def test_heatmap_is_the_pooled_weekday_hour_mean(superset, charts, marts):
    [rows] = _data(superset, charts["hourly_heatmap"])
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    expected = _pooled(
        marts["mart_glucose_hourly_patterns"],
        key=lambda r: (
            r["local_hour"],
            f"{r['local_iso_weekday']} {days[r['local_iso_weekday'] - 1]}",
        ),
        value="mean_glucose",
        weight="n_readings",
    )
    assert len(rows) == len(expected) == 7 * 24
    for row in rows:
        _close(row["mean_glucose_mg_dl"], expected[(row["local_hour"], row["weekday"])], "cell")


def test_time_in_ranges_is_the_summary_of_14_days(superset, charts, marts):
    [rows] = _data(superset, charts["time_in_ranges"])
    summaries = [r for r in marts["mart_glucose_summary"] if r["window"] == "14d"]
    shares = {
        "Very low (<54)": lambda r: r["below_54"],
        "Low (54–69)": lambda r: r["below_70"] - r["below_54"],
        "In range (70–180)": lambda r: r["in_range_70_180"],
        "High (181–250)": lambda r: r["above_180"] - r["above_250"],
        "Very high (>250)": lambda r: r["above_250"],
    }
    expected = {
        label: sum(round(r["n_readings"] * share(r) / 100) for r in summaries)
        for label, share in shares.items()
    }
    assert {row["glucose_range"]: row["readings_in_range"] for row in rows} == expected
    assert sum(expected.values()) == sum(r["n_readings"] for r in summaries)


def test_gmi_and_its_14_day_value_per_day(superset, charts, marts):
    daily, rolling = _data(superset, charts["gmi"])
    overview = marts["mart_glucose_overview"]

    def by_day(row):
        return _day_ms(row["local_date"])

    gmi = _pooled(overview, by_day, "gmi", "n_readings")
    gmi_14d = _pooled(overview, by_day, "gmi_14d", "n_readings_14d")
    mean = _pooled(overview, by_day, "mean_glucose", "n_readings")
    assert len(daily) == len(rolling) == len(gmi)
    for row in daily:
        _close(row["gmi_daily"], gmi[row["local_date"]], "daily GMI")
        # and GMI is what Bergenstal 2018 says it is, from the day's pooled mean
        _close(row["gmi_daily"], 3.31 + 0.02392 * mean[row["local_date"]], "GMI formula")
    for row in rolling:
        _close(row["gmi_14d"], gmi_14d[row["local_date"]], "14-day GMI")


def test_agp_bands_are_the_agp_mart(superset, charts, marts):
    [rows] = _data(superset, charts["agp"])
    agp = marts["mart_glucose_agp"]
    assert len(rows) == 96
    for band in ("p05", "p25", "p50", "p75", "p95"):
        expected = _pooled(
            [{**r, "one": 1} for r in agp],
            key=lambda r: 946_684_800_000 + r["minutes_after_midnight"] * 60_000,
            value=band,
            weight="one",
        )
        for row in rows:
            _close(row[f"agp_{band}"], expected[row["local_time_of_day"]], f"AGP {band}")


def test_daily_time_in_ranges_add_up_to_100(superset, charts, marts):
    [rows] = _data(superset, charts["daily_time_in_ranges"])
    overview = marts["mart_glucose_overview"]
    columns = {
        "tir_1_below_54": "below_54",
        "tir_2_54_69": "between_54_69",
        "tir_3_70_180": "in_range_70_180",
        "tir_4_181_250": "between_181_250",
        "tir_5_above_250": "above_250",
    }
    assert len(rows) == len({r["local_date"] for r in overview})
    for metric, column in columns.items():
        expected = _pooled(overview, lambda r: _day_ms(r["local_date"]), column, "n_readings")
        for row in rows:
            _close(row[metric], expected[row["local_date"]], f"{metric} on {row['local_date']}")
    for row in rows:
        _close(sum(row[m] for m in columns), 100, "the five ranges of a day")


def test_cohort_table_is_one_row_per_source(superset, charts, marts):
    [rows] = _data(superset, charts["cohort"])
    summaries = sorted(
        (r for r in marts["mart_glucose_summary"] if r["window"] == "14d"),
        key=lambda r: r["source_id"],
    )
    assert [r["source_id"] for r in rows] == [r["source_id"] for r in summaries]
    assert len(rows) == 2
    for row, summary in zip(rows, summaries, strict=True):
        for column, value in row.items():
            if column != "source_id":
                _close(value, summary[column], f"{summary['source_id']} {column}")


def test_the_source_filter_narrows_every_chart(superset, charts, marts):
    """What the dashboard's source filter does: a source_id filter on each chart's queries."""
    summaries = {r["source_id"]: r for r in marts["mart_glucose_summary"] if r["window"] == "14d"}
    source_id = min(summaries)
    answers = {}
    for slug, chart_id in charts.items():
        chart = superset["api"].get(f"{superset['url']}/api/v1/chart/{chart_id}", timeout=30)
        context = json.loads(chart.json()["result"]["query_context"])
        for query in context["queries"]:
            query["filters"] = [
                *query.get("filters", []),
                {"col": "source_id", "op": "IN", "val": [source_id]},
            ]
        response = superset["api"].post(
            f"{superset['url']}/api/v1/chart/data", json=context, timeout=120
        )
        assert response.status_code == 200, (slug, response.text[:2000])
        answers[slug] = [result["data"] for result in response.json()["result"]]
    [[row]] = answers["cohort"]
    assert row["source_id"] == source_id
    [trend] = answers["glucose_trend_7d"]
    assert {k for r in trend for k in r} == {"local_hour_start", source_id}
    [ranges] = answers["time_in_ranges"]
    assert sum(r["readings_in_range"] for r in ranges) == summaries[source_id]["n_readings"]
    [agp] = answers["agp"]
    own = {
        946_684_800_000 + r["minutes_after_midnight"] * 60_000: r["p50"]
        for r in marts["mart_glucose_agp"]
        if r["source_id"] == source_id
    }
    for point in agp:
        _close(point["agp_p50"], own[point["local_time_of_day"]], "one source's AGP median")


def _normalised(sql: str) -> str:
    lines = [line for line in sql.splitlines() if not line.startswith("--")]
    return " ".join(" ".join(lines).split())


def test_chart_sql_is_the_benchmark_contract(superset, charts):
    regenerate = os.environ.get("REGENERATE") == "1"
    for slug, chart_id in charts.items():
        response = superset["api"].get(
            f"{superset['url']}/api/v1/chart/{chart_id}/data/",
            params={"type": "query"},
            timeout=120,
        )
        assert response.status_code == 200, response.text[:2000]
        sql = "\n\n".join(result["query"].strip() for result in response.json()["result"])
        path = QUERIES / f"{slug}.sql"
        if regenerate:
            header = (
                f"-- The SQL Superset 6.1 runs for superset/charts/{slug}.yaml, the source filter "
                "unset.\n-- Written by tests/e2e/superset/test_chart_data.py (REGENERATE=1); "
                "do not edit.\n"
            )
            path.write_text(header + sql + "\n", encoding="utf-8")
            continue
        assert path.is_file(), f"{path} is missing: run the test with REGENERATE=1"
        assert _normalised(sql) == _normalised(path.read_text(encoding="utf-8")), slug
