"""`glucolake simulate` options and errors (the running server is tested in integration)."""

import pytest
from click.testing import CliRunner

from glucolake.cli.simulate import simulate


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--auth", "denied"], "needs an api_secret"),
        (["--api-secret", "short"], "at least 12"),
        (["--csv-timezone", "UTC"], "go together"),
        (["--now", "tomorrow"], "not an ISO 8601"),
        (["--fault-rate", "2"], "2"),
    ],
)
def test_bad_options_are_usage_errors(args, message):
    result = CliRunner().invoke(simulate, args, env={"GLUCOLAKE_SIM_API_SECRET": None})
    assert result.exit_code == 2
    assert message in result.output


def test_a_secret_in_an_error_is_never_echoed():
    secret = "short"
    result = CliRunner().invoke(simulate, ["--api-secret", secret, "--sources", "0"])
    assert result.exit_code == 2
    assert secret not in result.output


def test_unknown_source_in_fail_always_stops_before_serving():
    result = CliRunner().invoke(
        simulate, ["--sources", "1", "--days", "0", "--fail-always", "nobody"]
    )
    assert result.exit_code == 1
    assert "unknown source ids ['nobody']" in result.output


def test_help_lists_the_options():
    result = CliRunner().invoke(simulate, ["--help"])
    assert result.exit_code == 0
    for option in (
        "--port-per-source",
        "--quirks",
        "--from-csv",
        "--write-sources",
        "--api-secret",
    ):
        assert option in result.output
