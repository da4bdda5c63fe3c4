"""Options shared by the commands that talk to Nightscout; the one place settings are built."""

from __future__ import annotations

import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from glucolake.settings import ConfigError, Settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = [
    "duration_ms",
    "exit_with_errors",
    "load_settings",
    "source_options",
    "timestamp_ms",
    "unit_tests_option",
]

F = TypeVar("F", bound="Callable[..., Any]")

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def source_options(command: F) -> F:
    """Add ``--sources/--url/--source-id/--timezone`` to a command."""
    for option in reversed(
        [
            click.option(
                "--sources",
                "sources_file",
                type=click.Path(path_type=Path, dir_okay=False),
                help="Cohort file (YAML) listing the Nightscout sources.",
            ),
            click.option("--url", help="One Nightscout site (else $NIGHTSCOUT_URL)."),
            click.option(
                "--source-id", help="Id for the --url site (default: from its host name)."
            ),
            click.option(
                "--timezone", help="IANA time zone for the --url site (default: its profile's)."
            ),
        ]
    ):
        command = option(command)
    return command


# dbt's unit tests check the models' logic on fixed inputs: they belong to development and CI,
# and dbt's guidance is to leave them out of production builds, where they would only repeat
# the same answer at every 15-minute refresh (a third of a second each, here).
unit_tests_option = click.option(
    "--unit-tests/--no-unit-tests",
    default=False,
    show_default=True,
    help="Also run the dbt unit tests of the models built (development and CI).",
)


def load_settings(**options: Any) -> Settings:  # noqa: ANN401 - click passes option values
    """Build the settings from the process environment, or exit 2 with one line saying why."""
    try:
        return Settings.load(os.environ, **options)
    except ConfigError as exc:
        raise click.exceptions.Exit(_fail(str(exc))) from None


def named_source_ids(values: Iterable[str], *, option: str, settings: Settings) -> set[str]:
    """The source ids ``values`` name, each a comma-separated list; exit 2 on one not configured."""
    named = {part.strip() for value in values for part in value.split(",") if part.strip()}
    unknown = sorted(named - {source.id for source in settings.sources})
    if unknown:
        raise click.exceptions.Exit(_fail(f"{option}: no source {', '.join(unknown)} configured"))
    return named


def exit_with_errors(command: str, text: str, *, status: int = 1) -> NoReturn:
    """Print each line of ``text`` as one ``glucolake: error: <command>:`` line, then exit.

    dbt reports one failed model or test per line; each stays a line of its own.
    """
    for line in text.splitlines():
        click.echo(f"glucolake: error: {command}: {line}", err=True)
    sys.exit(status)


def _fail(message: str) -> int:
    click.echo(f"glucolake: error: {message}", err=True)
    return 2


def duration_ms(value: str, *, option: str) -> int:
    """Parse ``90m``, ``6h``, ``2d``… into milliseconds."""
    match = _DURATION.match(value.strip())
    if match is None:
        raise click.BadParameter(
            f"{value!r} is not a duration like 30m, 6h or 2d", param_hint=option
        )
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def timestamp_ms(value: str | None, *, option: str) -> int | None:
    """Parse an ISO date or date-time (UTC unless it carries an offset) into epoch ms.

    An empty value means "not set": workflow parameters cannot leave an argument out.
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO date or date-time (e.g. 2024-01-31 or 2024-01-31T12:00Z)",
            param_hint=option,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
