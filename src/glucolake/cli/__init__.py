"""The one command line: ``glucolake <step> [options]``.

Every subcommand is a thin shell: it builds the typed settings once, from the process environment
and its options, then calls plain Python in the package. Nothing below the CLI reads the
environment.
"""

from __future__ import annotations

import click

from glucolake import __version__
from glucolake.cli.dashboards import dashboards
from glucolake.cli.docs import docs
from glucolake.cli.ingest import ingest
from glucolake.cli.publish import publish
from glucolake.cli.report import report
from glucolake.cli.run import run
from glucolake.cli.simulate import simulate
from glucolake.cli.sources import sources
from glucolake.cli.summary import summary
from glucolake.cli.transform import transform
from glucolake.cli.validate import validate

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="glucolake")
def main() -> None:
    """glucolake: CGM analytics from Nightscout, on one machine or on Kubernetes."""


main.add_command(dashboards)
main.add_command(docs)
main.add_command(ingest)
main.add_command(publish)
main.add_command(report)
main.add_command(run)
main.add_command(simulate)
main.add_command(sources)
main.add_command(summary)
main.add_command(transform)
main.add_command(validate)
