"""`glucolake report`: one self-contained HTML file, rendered in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from tests.helpers import run_pipeline

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=15000",
]


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("Debian's chromium is missing: run `make chromium`")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    home = tmp_path_factory.mktemp("report")
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "GLUCOLAKE_HOME": str(home)}
    run_pipeline(home, env, sources=2, days=15, seed=17)
    result = subprocess.run(
        [sys.executable, "-m", "glucolake", "report", "--out", str(home / "report.html")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == str(home / "report.html")
    return home / "report.html"


def test_the_report_needs_no_network(report):
    text = report.read_text()
    assert "<script src=" not in text
    # Outside the inlined Plotly bundle (whose map attributions mention URLs), nothing loads
    # from the network: no external stylesheet, script, font or image.
    markup = re.sub(r"<script>.*?</script>", "", text, flags=re.DOTALL)
    assert not re.search(r"""(src|href)=["']https?://""", markup)
    assert text.count('class="plotly-graph-div"') == 2 * 4, "four charts per source"
    assert text.count("Plotly.newPlot(") == 2 * 4, "one call per chart"


def test_chromium_renders_every_chart(report):
    result = chromium("--enable-logging=stderr", "--v=0", "--dump-dom", report.as_uri())
    dom = result.stdout
    # The page's console: a chart whose script failed would say so here.
    assert "Uncaught" not in result.stderr, result.stderr[-3000:]
    # Plotly draws each chart into an SVG of class main-svg once its script has run.
    assert dom.count('class="main-svg"') >= 2 * 4
    assert dom.count('class="gtitle"') == 2 * 4, "every chart drew its title"
    assert dom.count('class="trace bars"') == 2 * 5, "five ranges per source"
    assert dom.count('class="hm"') == 2, "one heatmap per source"
    # The daily profiles: 14 panels per source, each with its date.
    assert dom.count('class="subplot x14y14"') == 2
    days = re.findall(r'"text":"(\d{4}-\d{2}-\d{2})"', report.read_text())
    assert len(days) == 2 * 14
    assert all(f">{day}<" in dom for day in days)
    assert "patient-001" in dom
    assert "patient-002" in dom
    assert "Ambulatory Glucose Profile" in dom


def test_chromium_screenshot_is_not_blank(report):
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "report.png"
    chromium("--window-size=1400,2600", f"--screenshot={png}", report.as_uri())
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG")
    # A blank page compresses to a few kilobytes; charts and tables do not.
    assert len(data) > 60_000
