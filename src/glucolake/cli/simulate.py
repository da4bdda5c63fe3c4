"""``glucolake simulate``: serve simulated Nightscout sites on loopback until interrupted."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from glucolake.simulate import SimulatorConfig, SimulatorServer, write_sources_file
from glucolake.simulate.config import DEFAULT_FAULT_RATE
from glucolake.simulate.faults import FAULT_KINDS

if TYPE_CHECKING:
    from types import FrameType

__all__ = ["simulate"]


def _parse_now(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date-time") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


@click.command("simulate")
@click.option(
    "--sources",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Number of generated sources.",
)
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=14,
    show_default=True,
    help="Days of history before today.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of all generated data.")
@click.option(
    "--now",
    callback=_parse_now,
    help="Freeze the clock at this ISO 8601 instant (UTC if no offset).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port (0: pick a free one).",
)
@click.option(
    "--port-per-source", is_flag=True, help="One port per source, consecutive from --port."
)
@click.option("--quirks", is_flag=True, help="Inject bad records and HTTP faults.")
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    help=f"Share of requests that fail [default: {DEFAULT_FAULT_RATE} with --quirks, else 0].",
)
@click.option(
    "--fault-kind",
    "fault_kinds",
    multiple=True,
    type=click.Choice(FAULT_KINDS),
    help="Restrict faults to these kinds (repeatable).",
)
@click.option(
    "--slow-seconds",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="A 'slow' fault answers a little later than this.",
)
@click.option(
    "--fail-always",
    multiple=True,
    metavar="SOURCE_ID",
    help="Answer every data request of this source with 500 (repeatable).",
)
@click.option(
    "--auth",
    type=click.Choice(["readable", "denied"]),
    default="readable",
    show_default=True,
    help="Role of anonymous requests.",
)
@click.option(
    "--api-secret",
    envvar="GLUCOLAKE_SIM_API_SECRET",
    show_envvar=True,
    help="API_SECRET of the sites (12+ characters; never printed).",
)
@click.option(
    "--omit-timezone",
    multiple=True,
    metavar="SOURCE_ID",
    help="Leave the profile time zone out for this source (repeatable).",
)
@click.option(
    "--from-csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Serve the readings of an id,time,gl CSV.",
)
@click.option(
    "--csv-timezone", help="IANA time zone of the CSV's wall-clock times, e.g. Etc/GMT+5."
)
@click.option(
    "--write-sources",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the cohort YAML for the ingest client here.",
)
@click.option(
    "--verbose", is_flag=True, help="Log one JSON line per request to stderr (never credentials)."
)
def simulate(
    *,
    sources: int,
    days: int,
    seed: int,
    now: dt.datetime | None,
    host: str,
    port: int,
    port_per_source: bool,
    quirks: bool,
    fault_rate: float | None,
    fault_kinds: tuple[str, ...],
    slow_seconds: float,
    fail_always: tuple[str, ...],
    auth: str,
    api_secret: str | None,
    omit_timezone: tuple[str, ...],
    from_csv: Path | None,
    csv_timezone: str | None,
    write_sources: Path | None,
    verbose: bool,
) -> None:
    """Serve simulated Nightscout sites until SIGINT or SIGTERM.

    Prints one line per source: its id and base URL (append /api/v1/...).
    """
    try:
        config = SimulatorConfig(
            sources=sources,
            days=days,
            seed=seed,
            now=now,
            host=host,
            port=port,
            port_per_source=port_per_source,
            quirks=quirks,
            fault_rate=fault_rate,
            fault_kinds=fault_kinds or FAULT_KINDS,
            slow_seconds=slow_seconds,
            fail_always=frozenset(fail_always),
            auth="denied" if auth == "denied" else "readable",
            api_secret=api_secret,
            omit_timezone=frozenset(omit_timezone),
            csv_path=from_csv,
            csv_timezone=csv_timezone,
            verbose=verbose,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc

    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = SimulatorServer(config)
    try:
        try:
            server.start()
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"cannot start the simulator: {exc}") from exc
        for source_id in server.source_ids:
            click.echo(f"{source_id}\t{server.url_for(source_id)}")
        if write_sources is not None:
            write_sources_file(server, write_sources)
            click.echo(f"wrote {write_sources}", err=True)
        while not stop.wait(timeout=0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
