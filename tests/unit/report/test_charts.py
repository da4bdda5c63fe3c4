"""The figure builders: plain plotly.js JSON, the traces, the target band, 14 day panels."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from tests.unit.report.sample import MISSING_DAY, NEWEST_DAY

from glucolake.report.charts import (
    RANGES,
    agp_chart,
    daily_profiles_chart,
    hourly_heatmap,
    ranges_chart,
)

BUILDERS = [ranges_chart, agp_chart, daily_profiles_chart, hourly_heatmap]


def target_band(shape):
    return (shape["type"], shape["y0"], shape["y1"], shape["x0"], shape["x1"]) == (
        "rect",
        70,
        180,
        0,
        1,
    )


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_every_figure_is_plain_json_with_a_title_and_a_height(build, report):
    figure = build(report)
    assert set(figure) == {"data", "layout"}
    assert json.loads(json.dumps(figure, allow_nan=False)) == figure
    assert figure["layout"]["title"]["text"]
    assert figure["layout"]["height"] > 0
    assert all("type" in trace for trace in figure["data"])


def test_ranges_stack_five_bars_that_add_up_to_the_whole(report):
    figure = ranges_chart(report)
    bars = figure["data"]
    assert [bar["type"] for bar in bars] == ["bar"] * 5
    assert [bar["marker"]["color"] for bar in bars] == [colour for _, _, colour in RANGES]
    assert [bar["y"][0] for bar in bars] == pytest.approx([1.0, 2.5, 71.0, 20.0, 5.5])
    assert sum(bar["y"][0] for bar in bars) == pytest.approx(100)
    assert bars[2]["name"] == "in range 70–180: 71.0 %"
    assert figure["layout"]["barmode"] == "stack"
    assert figure["layout"]["width"] == 330


def test_agp_draws_two_bands_a_median_and_the_target_range(report):
    figure = agp_chart(report)
    traces = figure["data"]
    assert [t["name"] for t in traces] == ["95th", "5–95 %", "75th", "25–75 %", "median"]
    # Each band's lower edge fills up to its upper edge, the trace just before it.
    assert [t.get("fill") for t in traces] == [None, "tonexty", None, "tonexty", None]
    assert traces[4]["y"] == report.agp.p50
    assert all(t["x"] == report.agp.hours for t in traces)
    (band,) = figure["layout"]["shapes"]
    assert target_band(band)
    assert (band["xref"], band["yref"]) == ("x domain", "y")
    assert figure["layout"]["xaxis"]["range"] == [0, 24]


def test_daily_profiles_have_fourteen_panels_each_with_its_day_and_target_band(report):
    figure = daily_profiles_chart(report)
    layout, traces = figure["layout"], figure["data"]
    assert len(traces) == 14
    assert len(layout["shapes"]) == 14
    days = [NEWEST_DAY - timedelta(days=13 - i) for i in range(14)]
    assert [a["text"] for a in layout["annotations"]] == [d.isoformat() for d in days]
    for number, (trace, shape) in enumerate(zip(traces, layout["shapes"], strict=True), 1):
        suffix = "" if number == 1 else str(number)
        assert (trace["xaxis"], trace["yaxis"]) == (f"x{suffix}", f"y{suffix}")
        assert target_band(shape)
        assert (shape["xref"], shape["yref"]) == (f"x{suffix} domain", f"y{suffix}")
        assert layout[f"xaxis{suffix}"]["anchor"] == f"y{suffix}"
        assert layout[f"yaxis{suffix}"]["range"] == [40, 350]
    # A day without readings keeps its panel, empty.
    missing = days.index(MISSING_DAY)
    assert traces[missing]["x"] == traces[missing]["y"] == []
    assert traces[0]["y"] == report.profiles[0].glucose


def test_daily_profiles_lay_out_two_rows_of_seven_with_shared_y_axes(report):
    layout = daily_profiles_chart(report)["layout"]
    x_domains = [layout[f"xaxis{n if n > 1 else ''}"]["domain"] for n in range(1, 15)]
    y_domains = [layout[f"yaxis{n if n > 1 else ''}"]["domain"] for n in range(1, 15)]
    assert x_domains[:7] == x_domains[7:]
    assert x_domains[0][0] == 0
    assert x_domains[6][1] == 1
    assert all(a[1] < b[0] for a, b in itertools.pairwise(x_domains[:7]))
    assert y_domains[:7] == [[0.56, 1.0]] * 7
    assert y_domains[7:] == [[0, 0.44]] * 7
    assert "matches" not in layout["yaxis"]
    assert "matches" not in layout["yaxis8"]
    assert {layout[f"yaxis{n}"]["matches"] for n in range(2, 8)} == {"y"}
    assert {layout[f"yaxis{n}"]["matches"] for n in range(9, 15)} == {"y8"}


def test_daily_profiles_of_a_source_without_readings_are_empty(report):
    report.profiles = []
    figure = daily_profiles_chart(report)
    assert figure["data"] == []
    assert figure["layout"]["shapes"] == []


def test_heatmap_puts_each_mean_at_its_weekday_and_hour(report):
    (heatmap,) = hourly_heatmap(report)["data"]
    assert heatmap["type"] == "heatmap"
    assert heatmap["y"] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert heatmap["x"] == list(range(24))
    assert len(heatmap["z"]) == 7
    assert {len(row) for row in heatmap["z"]} == {24}
    assert heatmap["z"][0][5] == 105.0
    assert heatmap["z"][6][23] is None  # no readings in that hour
