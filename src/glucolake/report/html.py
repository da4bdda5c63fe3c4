"""Assemble the report: one self-contained HTML file, openable with no network."""

from __future__ import annotations

import html
import json
import pkgutil
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from plotly.offline import get_plotlyjs

from glucolake import __version__
from glucolake.report.charts import agp_chart, daily_profiles_chart, hourly_heatmap, ranges_chart
from glucolake.report.targets import METRICS

if TYPE_CHECKING:
    from glucolake.report.charts import Figure
    from glucolake.report.data import SourceReport

__all__ = ["render_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { margin-bottom: 0; } .muted { color: #666; }
section { border-top: 1px solid #ddd; margin-top: 24px; padding-top: 8px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 4px 10px; text-align: right; border-bottom: 1px solid #eee; }
th { background: #f5f5f5; } td.meets { color: #1b5e20; background: #e8f5e9; }
td.misses { color: #b71c1c; background: #ffebee; }
.row { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.row > div.chart { flex: 1 1 480px; }
"""


_TEMPLATE = "plotly_white"
"""The Plotly template every chart is drawn with; the page holds it once (``_TEMPLATE_JS``)."""
_TEMPLATE_JS = "glucolakeTemplate"
_CONFIG = {"displaylogo": False, "responsive": True}


def render_report(reports: list[SourceReport], *, generated_at: datetime | None = None) -> str:
    """The whole report as one HTML document (plotly.js and the template inlined once).

    Each chart is a ``div`` and one ``Plotly.newPlot`` call on its figure's JSON.
    """
    moment = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    sections = "\n".join(_section(n, report) for n, report in enumerate(reports, 1))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>glucolake: glucose report</title>
<style>{_STYLE}</style><script>{get_plotlyjs()}</script>
<script>const {_TEMPLATE_JS} = {_template_json()};</script></head>
<body><h1>Glucose report</h1>
<p class="muted">Last 14 days of each source, International Consensus on Time in Range (2019)
metrics and the Ambulatory Glucose Profile. Generated {moment} by glucolake {__version__}.</p>
{sections or "<p>No data yet.</p>"}
</body></html>
"""


def _section(number: int, report: SourceReport) -> str:
    summary = report.summary
    sufficiency = (
        f"{report.days} days with data, {summary['active_percent'] or 0:.1f} % of possible "
        "readings (the consensus asks for 14 days and 70 %)"
    )
    return f"""<section><h2>{html.escape(report.source_id)}</h2>
<p class="muted">Data sufficiency: {sufficiency}.</p>
{_metrics_table(summary)}
<div class="row">{_chart(f"chart-{number}-ranges", ranges_chart(report), small=True)}\
{_chart(f"chart-{number}-agp", agp_chart(report))}</div>
<div class="row">{_chart(f"chart-{number}-daily", daily_profiles_chart(report))}</div>
<div class="row">{_chart(f"chart-{number}-hourly", hourly_heatmap(report))}</div>
</section>"""


def _metrics_table(summary: dict[str, object]) -> str:
    heads = "".join(f"<th>{html.escape(m.heading)}</th>" for m in METRICS)
    targets = "".join(f"<td>{html.escape(m.target)}</td>" for m in METRICS)
    cells = []
    for metric in METRICS:
        value = summary.get(metric.column)
        if not isinstance(value, int | float):
            cells.append("<td>–</td>")
            continue
        verdict = metric.meets(float(value))
        css = "" if verdict is None else (' class="meets"' if verdict else ' class="misses"')
        cells.append(f"<td{css}>{metric.fmt.format(value)}</td>")
    return (
        f"<table><tr><th></th>{heads}</tr><tr><th>last 14 days</th>{''.join(cells)}</tr>"
        f"<tr><th>target</th>{targets}</tr></table>"
    )


def _chart(element_id: str, figure: Figure, *, small: bool = False) -> str:
    """A chart's ``div``, sized as its layout says, and the script that draws it."""
    layout = figure["layout"]
    width = f"{layout['width']}px" if "width" in layout else "100%"
    size = f"height:{layout['height']}px; width:{width};"
    style = ' style="flex: 0 0 340px"' if small else ""
    return (
        f'<div class="chart"{style}><div id="{element_id}" class="plotly-graph-div" '
        f'style="{size}"></div><script>Plotly.newPlot("{element_id}", {_json(figure["data"])}, '
        f"Object.assign({{template: {_TEMPLATE_JS}}}, {_json(layout)}), {_json(_CONFIG)});"
        "</script></div>"
    )


def _json(value: object) -> str:
    """JSON to place inside a ``<script>``: no ``<`` can end the element or open a comment."""
    return json.dumps(value, separators=(",", ":"), default=_jsonable).replace("<", "\\u003c")


def _jsonable(value: object) -> object:
    if isinstance(value, Decimal):  # a Postgres numeric
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot draw a {type(value).__name__}")


@cache
def _template_json() -> str:
    """Plotly's template as its package ships it (what plotly.py sends with every figure)."""
    template = pkgutil.get_data("plotly", f"package_data/templates/{_TEMPLATE}.json")
    if template is None:  # pragma: no cover - plotly ships it
        raise FileNotFoundError(f"plotly's {_TEMPLATE} template")
    return _json(json.loads(template))
