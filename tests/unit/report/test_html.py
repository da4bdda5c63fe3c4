"""The page: plotly.js and the template once, one `Plotly.newPlot` per chart on its figure."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from plotly.offline import get_plotlyjs
from tests.unit.report.sample import make_report

from glucolake.report.charts import agp_chart, daily_profiles_chart, hourly_heatmap, ranges_chart
from glucolake.report.html import render_report

NEW_PLOT = re.compile(
    r'<div id="([^"]+)" class="plotly-graph-div" style="([^"]+)"></div><script>'
    r'Plotly\.newPlot\("\1", (.*?), Object\.assign\(\{template: glucolakeTemplate\}, (.*?)\), '
    r"(\{[^}]*\})\);</script>"
)


def test_one_new_plot_per_chart_on_the_builders_json():
    reports = [make_report("alice"), make_report("bob")]
    page = render_report(reports, generated_at=datetime(2026, 11, 20, tzinfo=UTC))
    charts = NEW_PLOT.findall(page)
    assert page.count("Plotly.newPlot(") == len(charts) == 8
    assert len({element_id for element_id, *_ in charts}) == 8
    builders = [ranges_chart, agp_chart, daily_profiles_chart, hourly_heatmap]
    expected = [json.loads(json.dumps(b(r), default=str)) for r in reports for b in builders]
    for (_, style, data, layout, config), figure in zip(charts, expected, strict=True):
        assert json.loads(data) == figure["data"]
        assert json.loads(layout) == figure["layout"]
        assert json.loads(config) == {"displaylogo": False, "responsive": True}
        assert f"height:{figure['layout']['height']}px" in style
    assert "<h2>alice</h2>" in page
    assert "14 days with data" not in page  # one day of the sample has no readings
    assert "13 days with data" in page


def test_plotly_js_and_the_template_are_inlined_once_and_nothing_loads_from_the_network():
    page = render_report([make_report()])
    assert page.count(get_plotlyjs()) == 1
    assert page.count("const glucolakeTemplate = ") == 1
    template = re.search(r"const glucolakeTemplate = (\{.*?\});</script>", page)
    assert template is not None
    assert json.loads(template.group(1))["layout"]["plot_bgcolor"] == "white"
    assert "<script src=" not in page


def test_no_script_can_be_closed_by_the_data():
    page = render_report([make_report()])
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    # Plotly's own hover templates hold "<extra></extra>": inside the figures it is escaped.
    figures = [s for s in scripts if s.startswith("Plotly.newPlot(")]
    assert len(figures) == 4
    assert all("<" not in s for s in figures)
    assert "\\u003cextra>" in figures[0]


def test_an_empty_warehouse_gives_a_page_without_charts():
    page = render_report([])
    assert "No data yet." in page
    assert "Plotly.newPlot(" not in page


def test_rendering_does_not_load_plotlys_python_figures():
    # Plotly's figure objects cost about a second per source; the report must not use them.
    code = (
        "import sys\n"
        "from tests.unit.report.sample import make_report\n"
        "from glucolake.report import render_report\n"
        "render_report([make_report()])\n"
        "figures = ('plotly.graph_objects', 'plotly.graph_objs', 'plotly.basedatatypes')\n"
        "print(sorted(m for m in sys.modules if m.startswith(figures)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).parents[3],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.strip() == "[]"
