"""The one command line: ``glucolake <step> [options]``.

Every subcommand is a thin shell: it builds the typed settings once, from the process environment
and its options, then calls plain Python in the package. Nothing below the CLI reads the
environment.

Each pipeline step runs as a fresh process (a pod, or a local process under ``glucolake run``),
so a step imports only its own subcommand's module: ``glucolake sources`` does not pay for dbt,
``glucolake transform`` not for Great Expectations or plotly.
"""

from __future__ import annotations

import importlib
from typing import NoReturn

import click

from glucolake import __version__
from glucolake.cli._process import run_then_leave
from glucolake.importing import import_uncollected

__all__ = ["COMMANDS", "command_line", "main"]

COMMANDS = {
    name: f"glucolake.cli.{name}"
    for name in (
        "dashboards",
        "docs",
        "ingest",
        "publish",
        "raw",
        "report",
        "run",
        "simulate",
        "sources",
        "summary",
        "transform",
        "validate",
    )
}
"""Each subcommand's module, which defines a click command of the same name."""


class _LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in COMMANDS:
            import_uncollected(COMMANDS[cmd_name])
            module = importlib.import_module(COMMANDS[cmd_name])
            command = getattr(module, cmd_name)
            if not isinstance(command, click.Command):  # pragma: no cover - a wiring mistake
                raise TypeError(f"{COMMANDS[cmd_name]}.{cmd_name} is not a click command")
            self.add_command(command)
        return command


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="glucolake")
def main() -> None:
    """glucolake: CGM analytics from Nightscout, on one machine or on Kubernetes."""


def command_line(args: list[str] | None = None, prog_name: str | None = None) -> NoReturn:
    """The ``glucolake`` program: run the command line, then leave at once (see ``_process``).

    ``args`` and ``prog_name`` are click's: by default ``sys.argv`` and its program name.
    """
    run_then_leave(lambda: main(args=args, prog_name=prog_name))
