"""The report's charts, drawn with Plotly in the AGP report's conventions.

Colours follow the International Consensus' AGP report: very low dark red, low red, in range
green, high amber, very high orange; the target range 70–180 mg/dL is shaded on every trace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

if TYPE_CHECKING:
    from glucolake.report.data import SourceReport

__all__ = ["agp_chart", "daily_profiles_chart", "hourly_heatmap", "ranges_chart"]

RANGES = (
    ("below_54", "very low < 54", "#8b0000"),
    ("between_54_69", "low 54–69", "#e53935"),
    ("in_range_70_180", "in range 70–180", "#43a047"),
    ("between_181_250", "high 181–250", "#fbc02d"),
    ("above_250", "very high > 250", "#ef6c00"),
)
_TARGET = {"y0": 70, "y1": 180, "fillcolor": "rgba(67,160,71,0.10)", "line_width": 0}
_LAYOUT = {"margin": {"l": 50, "r": 20, "t": 40, "b": 40}, "template": "plotly_white"}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def ranges_chart(report: SourceReport) -> go.Figure:
    """Time in the five consensus ranges, one stacked bar."""
    summary = report.summary
    shares = {
        "below_54": summary["below_54"],
        "between_54_69": summary["below_70"] - summary["below_54"],
        "in_range_70_180": summary["in_range_70_180"],
        "between_181_250": summary["above_180"] - summary["above_250"],
        "above_250": summary["above_250"],
    }
    figure = go.Figure()
    for key, label, colour in RANGES:
        figure.add_bar(
            x=["14 days"],
            y=[shares[key]],
            name=f"{label}: {shares[key]:.1f} %",
            marker_color=colour,
            hovertemplate=f"{label}: %{{y:.1f}} %<extra></extra>",
        )
    figure.update_layout(
        barmode="stack",
        title="Time in ranges",
        yaxis={"range": [0, 100], "title": "%"},
        height=380,
        width=330,
        **_LAYOUT,
    )
    return figure


def agp_chart(report: SourceReport) -> go.Figure:
    """The Ambulatory Glucose Profile: median, 25–75 % and 5–95 % bands by time of day."""
    hours = [row["minutes_after_midnight"] / 60 for row in report.agp]
    band = {"mode": "lines", "line": {"width": 0}, "showlegend": True, "hoverinfo": "skip"}
    figure = go.Figure()
    figure.add_hrect(**_TARGET)
    figure.add_scatter(x=hours, y=[r["p95"] for r in report.agp], name="95th", **band)
    figure.add_scatter(
        x=hours,
        y=[r["p05"] for r in report.agp],
        name="5–95 %",
        fill="tonexty",
        fillcolor="rgba(30,136,229,0.15)",
        **band,
    )
    figure.add_scatter(x=hours, y=[r["p75"] for r in report.agp], name="75th", **band)
    figure.add_scatter(
        x=hours,
        y=[r["p25"] for r in report.agp],
        name="25–75 %",
        fill="tonexty",
        fillcolor="rgba(30,136,229,0.35)",
        **band,
    )
    figure.add_scatter(
        x=hours,
        y=[r["p50"] for r in report.agp],
        name="median",
        mode="lines",
        line={"color": "#0d47a1", "width": 3},
    )
    figure.update_layout(
        title="Ambulatory Glucose Profile (last 14 days)",
        xaxis={"title": "local time of day (h)", "range": [0, 24], "dtick": 3},
        yaxis={"title": "mg/dL", "range": [40, 350]},
        height=380,
        **_LAYOUT,
    )
    return figure


def daily_profiles_chart(report: SourceReport) -> go.Figure:
    """One small trace per local day of the last 14 days."""
    days = sorted({row["local_date"] for row in report.profiles})[-14:]
    figure = make_subplots(
        rows=2,
        cols=7,
        shared_yaxes=True,
        subplot_titles=[str(d) for d in days],
        horizontal_spacing=0.01,
        vertical_spacing=0.12,
    )
    for index, day in enumerate(days):
        rows = [r for r in report.profiles if r["local_date"] == day]
        figure.add_scatter(
            x=[r["local_minute_of_day"] / 60 for r in rows],
            y=[r["glucose_mg_dl"] for r in rows],
            mode="lines",
            line={"color": "#0d47a1", "width": 1},
            showlegend=False,
            row=index // 7 + 1,
            col=index % 7 + 1,
        )
    figure.add_hrect(**_TARGET, row="all", col="all")
    figure.update_xaxes(range=[0, 24], showticklabels=False)
    figure.update_yaxes(range=[40, 350])
    figure.update_layout(title="Daily profiles", height=420, **_LAYOUT)
    return figure


def hourly_heatmap(report: SourceReport) -> go.Figure:
    """Mean glucose by local weekday and hour."""
    grid: list[list[Any]] = [[None] * 24 for _ in WEEKDAYS]
    for row in report.hourly:
        grid[row["local_iso_weekday"] - 1][row["local_hour"]] = row["mean_glucose"]
    figure = go.Figure(
        go.Heatmap(
            z=grid,
            x=list(range(24)),
            y=list(WEEKDAYS),
            zmin=70,
            zmax=250,
            colorscale=[[0, "#43a047"], [0.5, "#fbc02d"], [1, "#e53935"]],
            colorbar={"title": "mg/dL"},
            hovertemplate="%{y} %{x}:00 — mean %{z:.0f} mg/dL<extra></extra>",
        )
    )
    figure.update_layout(
        title="Mean glucose by weekday and hour",
        xaxis={"title": "local hour", "dtick": 3},
        yaxis={"autorange": "reversed"},
        height=330,
        **_LAYOUT,
    )
    return figure
