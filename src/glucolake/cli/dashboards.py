"""``glucolake dashboards``: build Superset's import ZIP from ``superset/`` and import it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from glucolake import logs
from glucolake.dashboards import (
    BundleError,
    ImportCredentials,
    SupersetClient,
    SupersetError,
    build_zip,
    database_file,
    load_bundle,
    write_zip,
)
from glucolake.settings import ConfigError, redacted_url

__all__ = ["dashboards"]

# In a source checkout (and an editable install) the bundle sits next to src/.
_REPOSITORY_BUNDLE = Path(__file__).resolve().parents[3] / "superset"
_log = logs.get_logger(__name__)

_bundle_option = click.option(
    "--bundle",
    "bundle_path",
    type=click.Path(path_type=Path, exists=True),
    envvar="GLUCOLAKE_SUPERSET_DIR",
    default=_REPOSITORY_BUNDLE,
    show_default="$GLUCOLAKE_SUPERSET_DIR, else superset/ of the repository",
    help="The bundle folder (Superset's export format as YAML), or a ZIP that build wrote.",
)
_warehouse_option = click.option(
    "--warehouse-url",
    metavar="postgresql://USER@HOST:PORT/DB",
    help="The warehouse Superset reads, without a password (default: the bundle's).",
)


@click.group()
def dashboards() -> None:
    """Superset dashboards kept as text in superset/: build the import ZIP, import it."""


@dashboards.command()
@_warehouse_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Where to write the ZIP.",
)
@_bundle_option
def build(*, warehouse_url: str | None, out: Path, bundle_path: Path) -> None:
    """Write the importable ZIP for one warehouse; print its path.

    The ZIP holds no password: give it to `glucolake dashboards import` (or to Superset's import
    dialog) for databases/glucolake_warehouse.yaml.
    """
    try:
        write_zip(load_bundle(bundle_path), out, warehouse_url=warehouse_url)
    except BundleError as exc:
        click.echo(f"glucolake: error: dashboards build: {exc}", err=True)
        sys.exit(2)
    click.echo(str(out))


@dashboards.command("import")
@click.option("--superset-url", required=True, help="Superset's base URL, e.g. http://host:8088.")
@_warehouse_option
@_bundle_option
@click.option("--json-logs/--no-json-logs", default=None, help="Force JSON log lines.")
def import_(
    *, superset_url: str, warehouse_url: str | None, bundle_path: Path, json_logs: bool | None
) -> None:
    """Build the ZIP and import it into Superset, replacing what it imported before.

    Reads SUPERSET_USERNAME and SUPERSET_PASSWORD (a Superset user allowed to import) and
    GLUCOLAKE_DASHBOARD_DB_PASSWORD (the warehouse role's password; unset keeps the one an
    existing connection has) from the environment.
    """
    try:
        credentials = ImportCredentials.from_environ(os.environ)
    except ConfigError as exc:
        click.echo(f"glucolake: error: dashboards import: {exc}", err=True)
        sys.exit(2)
    logs.configure(json_lines=json_logs, secrets=credentials.secrets)
    try:
        bundle = load_bundle(bundle_path)
        data = build_zip(bundle, warehouse_url=warehouse_url, bundle_type="assets")
        client = SupersetClient(superset_url)
        client.login(credentials.username, credentials.password)
        passwords = (
            {database_file(bundle): credentials.warehouse_password}
            if credentials.warehouse_password is not None
            else {}
        )
        client.import_assets(data, passwords=passwords)
    except BundleError as exc:
        click.echo(f"glucolake: error: dashboards import: {exc}", err=True)
        sys.exit(2)
    except SupersetError as exc:
        click.echo(f"glucolake: error: {_masked(str(exc), credentials)}", err=True)
        sys.exit(1)
    _log.info(
        "dashboards_imported",
        extra=logs.fields(
            superset=redacted_url(superset_url),
            charts=len(bundle.of_kind("charts")),
            datasets=len(bundle.of_kind("datasets")),
            dashboards=len(bundle.of_kind("dashboards")),
        ),
    )
    click.echo(
        f"imported {len(bundle.of_kind('dashboards'))} dashboard(s), "
        f"{len(bundle.of_kind('charts'))} charts and {len(bundle.of_kind('datasets'))} datasets "
        f"into {redacted_url(superset_url)}"
    )


def _masked(message: str, credentials: ImportCredentials) -> str:
    """A last line of defence: no secret value reaches the terminal, whatever Superset said."""
    for secret in credentials.secrets:
        message = message.replace(secret, "********")
    return message
