from __future__ import annotations

import pytest
from click.testing import CliRunner

from glucolake.cli import main


@pytest.fixture
def run(tmp_path, monkeypatch):
    # The CLI reads the process environment at its edge; give it a clean one.
    for name in ("NIGHTSCOUT_URL", "NIGHTSCOUT_API_SECRET", "NIGHTSCOUT_TOKEN", "GLUCOLAKE_LAKE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GLUCOLAKE_HOME", str(tmp_path))

    def invoke(*args):
        return CliRunner().invoke(main, list(args))

    return invoke


def test_without_sources_exits_2_with_one_line(run):
    result = run("ingest")
    assert result.exit_code == 2
    expected = (
        "glucolake: error: no Nightscout source configured: pass --sources FILE, or --url URL "
        "(or set NIGHTSCOUT_URL)"
    )
    assert result.output.strip().splitlines() == [expected]


def test_malformed_sources_file_names_the_file(run, tmp_path):
    path = tmp_path / "cohort.yaml"
    path.write_text("sources:\n  - id: a\n    url: https://a.org\n    timezone: Nowhere/Land\n")
    result = run("ingest", "--sources", str(path))
    assert result.exit_code == 2
    assert f"sources file {path}, source 'a': unknown time zone 'Nowhere/Land'" in result.output


def test_bad_duration_is_a_usage_error(run):
    result = run("ingest", "--url", "https://a.org", "--overlap", "soon")
    assert result.exit_code == 2
    assert "is not a duration like 30m, 6h or 2d" in result.output


def test_help_lists_the_commands(run):
    result = run("--help")
    assert result.exit_code == 0
    assert "ingest" in result.output
    assert "simulate" in result.output
