"""The report's charts as plotly.js figures, in the conventions of the AGP report.

Colours follow the International Consensus' AGP report: very low dark red, low red, in range
green, high amber, very high orange; the target range 70–180 mg/dL is shaded on every glucose
trace. Each figure is a dict ready for ``json.dumps`` and ``Plotly.newPlot``: building them costs
a few list comprehensions per source, where Plotly's Python figure objects cost about a second.
The look is the ``plotly_white`` template, which the page gives every figure (``html.py``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from glucolake.report.data import DAYS

if TYPE_CHECKING:
    from glucolake.report.data import SourceReport

__all__ = [
    "RANGES",
    "TARGET_MG_DL",
    "Figure",
    "agp_chart",
    "daily_profiles_chart",
    "hourly_heatmap",
    "ranges_chart",
]

Figure = dict[str, Any]
"""A plotly.js figure: ``{"data": [trace, ...], "layout": {...}}``."""

RANGES = (
    ("below_54", "very low < 54", "#8b0000"),
    ("between_54_69", "low 54–69", "#e53935"),
    ("in_range_70_180", "in range 70–180", "#43a047"),
    ("between_181_250", "high 181–250", "#fbc02d"),
    ("above_250", "very high > 250", "#ef6c00"),
)
TARGET_MG_DL = (70, 180)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_MARGIN = {"l": 50, "r": 20, "t": 40, "b": 40}
_GLUCOSE_RANGE = [40, 350]
_BLUE = "#0d47a1"
# The daily profiles' grid, as Plotly's make_subplots(rows=2, cols=7, horizontal_spacing=0.01,
# vertical_spacing=0.12) lays it out: 7 columns and 2 rows of axis domains on the paper.
_COLUMNS, _ROWS = 7, 2
_H_SPACING, _V_SPACING = 0.01, 0.12


def ranges_chart(report: SourceReport) -> Figure:
    """Time in the five consensus ranges, one stacked bar."""
    summary = report.summary
    shares = {
        "below_54": summary["below_54"],
        "between_54_69": summary["below_70"] - summary["below_54"],
        "in_range_70_180": summary["in_range_70_180"],
        "between_181_250": summary["above_180"] - summary["above_250"],
        "above_250": summary["above_250"],
    }
    data = [
        {
            "type": "bar",
            "x": ["14 days"],
            "y": [shares[key]],
            "name": f"{label}: {shares[key]:.1f} %",
            "marker": {"color": colour},
            "hovertemplate": f"{label}: %{{y:.1f}} %<extra></extra>",
        }
        for key, label, colour in RANGES
    ]
    layout = {
        "title": {"text": "Time in ranges"},
        "barmode": "stack",
        "yaxis": {"range": [0, 100], "title": {"text": "%"}},
        "height": 380,
        "width": 330,
        "margin": dict(_MARGIN),
    }
    return {"data": data, "layout": layout}


def agp_chart(report: SourceReport) -> Figure:
    """The Ambulatory Glucose Profile: median, 25–75 % and 5–95 % bands by time of day."""
    agp = report.agp
    # Each band is drawn as its upper edge, then its lower edge filled up to it.
    data = [
        _band_edge(agp.hours, agp.p95, "95th"),
        _band_edge(agp.hours, agp.p05, "5–95 %", fill="rgba(30,136,229,0.15)"),
        _band_edge(agp.hours, agp.p75, "75th"),
        _band_edge(agp.hours, agp.p25, "25–75 %", fill="rgba(30,136,229,0.35)"),
        {
            "type": "scatter",
            "x": agp.hours,
            "y": agp.p50,
            "name": "median",
            "mode": "lines",
            "line": {"color": _BLUE, "width": 3},
        },
    ]
    layout = {
        "title": {"text": "Ambulatory Glucose Profile (last 14 days)"},
        "xaxis": {"title": {"text": "local time of day (h)"}, "range": [0, 24], "dtick": 3},
        "yaxis": {"title": {"text": "mg/dL"}, "range": list(_GLUCOSE_RANGE)},
        "shapes": [_target_band("x", "y")],
        "height": 380,
        "margin": dict(_MARGIN),
    }
    return {"data": data, "layout": layout}


def daily_profiles_chart(report: SourceReport) -> Figure:
    """One small panel per local day of the last 14 (ending on the newest reading's day).

    Every panel has its axes, its date and the target band, with or without readings; the
    y axes of a row are shared, as in the AGP report's daily views.
    """
    by_day = {profile.local_date: profile for profile in report.profiles}
    newest = max(by_day, default=None)
    days = [] if newest is None else [newest - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    width = (1 - (_COLUMNS - 1) * _H_SPACING) / _COLUMNS
    height = (1 - (_ROWS - 1) * _V_SPACING) / _ROWS
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {
        "title": {"text": "Daily profiles"},
        "shapes": [],
        "annotations": [],
        "height": 420,
        "margin": dict(_MARGIN),
    }
    for index, day in enumerate(days):
        row, column = divmod(index, _COLUMNS)
        x0 = column * (width + _H_SPACING)
        y1 = 1 - row * (height + _V_SPACING)
        x, y = _axis_ids(index + 1)
        first_of_row = _axis_ids(row * _COLUMNS + 1)[1]
        layout[_layout_key(x)] = {
            "anchor": y,
            "domain": _domain(x0, x0 + width),
            "range": [0, 24],
            "showticklabels": False,
        }
        y_axis: dict[str, Any] = {
            "anchor": x,
            "domain": _domain(y1 - height, y1),
            "range": list(_GLUCOSE_RANGE),
        }
        if y != first_of_row:  # a row shares the y axis of its first panel
            y_axis |= {"matches": first_of_row, "showticklabels": False}
        layout[_layout_key(y)] = y_axis
        layout["shapes"].append(_target_band(x, y))
        layout["annotations"].append(_panel_title(day, x0 + width / 2, y1))
        profile = by_day.get(day)
        data.append(
            {
                "type": "scatter",
                "x": profile.hours if profile else [],
                "y": profile.glucose if profile else [],
                "xaxis": x,
                "yaxis": y,
                "mode": "lines",
                "line": {"color": _BLUE, "width": 1},
                "showlegend": False,
            }
        )
    return {"data": data, "layout": layout}


def hourly_heatmap(report: SourceReport) -> Figure:
    """Mean glucose by local weekday and hour."""
    grid: list[list[float | None]] = [[None] * 24 for _ in WEEKDAYS]
    for weekday, hour, mean in report.hourly:
        grid[weekday - 1][hour] = mean
    heatmap = {
        "type": "heatmap",
        "z": grid,
        "x": list(range(24)),
        "y": list(WEEKDAYS),
        "zmin": 70,
        "zmax": 250,
        "colorscale": [[0, "#43a047"], [0.5, "#fbc02d"], [1, "#e53935"]],
        "colorbar": {"title": {"text": "mg/dL"}},
        "hovertemplate": "%{y} %{x}:00 — mean %{z:.0f} mg/dL<extra></extra>",
    }
    layout = {
        "title": {"text": "Mean glucose by weekday and hour"},
        "xaxis": {"title": {"text": "local hour"}, "dtick": 3},
        "yaxis": {"autorange": "reversed"},
        "height": 330,
        "margin": dict(_MARGIN),
    }
    return {"data": [heatmap], "layout": layout}


def _band_edge(
    hours: list[float], values: list[float], name: str, *, fill: str | None = None
) -> dict[str, Any]:
    """An invisible line of the AGP; with ``fill``, shaded up to the trace before it."""
    trace = {
        "type": "scatter",
        "x": hours,
        "y": values,
        "name": name,
        "mode": "lines",
        "line": {"width": 0},
        "showlegend": True,
        "hoverinfo": "skip",
    }
    if fill is not None:
        trace |= {"fill": "tonexty", "fillcolor": fill}
    return trace


def _target_band(x: str, y: str) -> dict[str, Any]:
    """The target range shaded across the whole width of the axes ``x``/``y``."""
    low, high = TARGET_MG_DL
    return {
        "type": "rect",
        "xref": f"{x} domain",
        "x0": 0,
        "x1": 1,
        "yref": y,
        "y0": low,
        "y1": high,
        "fillcolor": "rgba(67,160,71,0.10)",
        "line": {"width": 0},
    }


def _panel_title(day: date, x: float, y: float) -> dict[str, Any]:
    return {
        "text": day.isoformat(),
        "x": x,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 16},
    }


def _domain(start: float, end: float) -> list[float]:
    """A fraction of the paper, kept within [0, 1] (plotly.js drops a domain outside it)."""
    return [round(max(start, 0.0), 9), round(min(end, 1.0), 9)]


def _axis_ids(number: int) -> tuple[str, str]:
    """A trace's axis references: ``x``/``y`` for the first panel, ``x2``/``y2`` for the next."""
    suffix = "" if number == 1 else str(number)
    return f"x{suffix}", f"y{suffix}"


def _layout_key(axis: str) -> str:
    """The layout key of an axis reference: ``x2`` → ``xaxis2``."""
    return f"{axis[0]}axis{axis[1:]}"
