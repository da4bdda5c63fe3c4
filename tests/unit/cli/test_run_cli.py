"""``glucolake run``: its options are checked before anything runs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from glucolake.cli import main
from glucolake.cli import run as run_cli


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--times", "2"], "--times needs --every"),
        (["--every", "15"], "'15' is not a duration like 30m, 6h or 2d"),
        (["--every", "1w"], "'1w' is not a duration like 30m, 6h or 2d"),
        (["--every", "1m", "--times", "0"], "0 is not in the range x>=1"),
    ],
)
def test_a_wrong_schedule_is_refused_before_anything_runs(tmp_path, monkeypatch, args, message):
    monkeypatch.setenv("GLUCOLAKE_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(main, ["run", "--url", "http://localhost:9", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "home").exists(), "nothing ran"


@pytest.mark.parametrize(
    ("now", "wait"),
    [
        (130.0, 30.0),  # the run took 30 s: the next tick, 60 s after the first
        (170.0, 50.0),  # it outlasted the tick at 160: skipped, as Argo's Forbid does
        (100.0, 60.0),
    ],
)
def test_every_waits_for_the_next_tick_ahead(monkeypatch, now, wait):
    monkeypatch.setattr(run_cli.time, "monotonic", lambda: now)
    assert run_cli._until_next_tick(100.0, 60.0) == wait
    assert run_cli._until_next_tick(100.0, 0.0) == 0.0  # --every 0s: back to back
