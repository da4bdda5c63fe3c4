"""``glucolake run``: its options are checked before anything runs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from glucolake.cli import main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--times", "2"], "--times needs --every"),
        (["--every", "15"], "'15' is not a duration such as 30s, 15m or 1h"),
        (["--every", "1d"], "'1d' is not a duration such as 30s, 15m or 1h"),
        (["--every", "1m", "--times", "0"], "0 is not in the range x>=1"),
    ],
)
def test_a_wrong_schedule_is_refused_before_anything_runs(tmp_path, monkeypatch, args, message):
    monkeypatch.setenv("GLUCOLAKE_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(main, ["run", "--url", "http://localhost:9", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "home").exists(), "nothing ran"
