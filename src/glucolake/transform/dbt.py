"""Running the one dbt project in-process, with glucolake's settings and never a secret in a var.

dbt's start-up costs seconds, so it runs through ``dbtRunner`` in this process rather than as a
child. Connection settings travel as environment variables for the duration of the call only
(that is how ``profiles.yml`` reads them); secrets use dbt's ``DBT_ENV_SECRET_`` prefix, which
dbt scrubs from its logs and artifacts. dbt ``--vars`` end up in ``manifest.json`` and
``run_results.json``, so they never carry a secret.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glucolake.lake.duckdb_access import (
    MEMORY_LIMIT,
    extension_directory,
    lake_connection,
    s3_options,
    spill_directory,
)
from glucolake.logs import fields, get_logger
from glucolake.settings import PostgresWarehouse
from glucolake.transform.scope import full_raw_paths

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from glucolake.settings import Secret, Settings

__all__ = [
    "DbtError",
    "DbtRun",
    "dbt_environment",
    "lake_target",
    "run_dbt",
    "warehouse_target",
]

log = get_logger(__name__)


class DbtError(RuntimeError):
    """A dbt command failed; the message has one line per failed model or test."""


@dataclass(frozen=True)
class DbtRun:
    """What a successful dbt command did."""

    nodes: int
    """Models, tests and other nodes that ran."""
    seconds: float


def lake_target(settings: Settings) -> tuple[str, dict[str, str]]:
    """The dbt target and environment for the lake side (dbt-duckdb over a folder or S3)."""
    env = {
        "GLUCOLAKE_DBT_LAKE": settings.lake,
        "GLUCOLAKE_DBT_MEMORY_LIMIT": MEMORY_LIMIT,
        "GLUCOLAKE_DBT_TEMP": str(spill_directory(settings)),
    }
    if not settings.lake.startswith("s3://"):
        # DuckDB's COPY creates files, not folders; S3 has no folders to create.
        for zone in ("staging", "intermediate", "curated"):
            (Path(settings.lake) / zone).mkdir(parents=True, exist_ok=True)
        return "lake", env
    lake_connection(settings).close()  # installs httpfs from its wheel for dbt-duckdb to load
    options = s3_options(settings)
    env |= {
        "GLUCOLAKE_DBT_EXTENSIONS": str(extension_directory(settings)),
        "GLUCOLAKE_DBT_S3_ENDPOINT": str(options["endpoint"]),
        # as_bool in profiles.yml reads Python literals.
        "GLUCOLAKE_DBT_S3_USE_SSL": str(options["use_ssl"]),
        "GLUCOLAKE_DBT_S3_REGION": str(options["region"]),
        "GLUCOLAKE_DBT_S3_KEY_ID": str(options["key_id"]),
        "DBT_ENV_SECRET_S3_SECRET": str(options["secret"]),
    }
    return "lake_s3", env


def warehouse_target(settings: Settings) -> tuple[str, dict[str, str]]:
    """The dbt target and environment for the warehouse side (DuckDB file or Postgres)."""
    warehouse = settings.warehouse
    if isinstance(warehouse, PostgresWarehouse):
        return "warehouse_postgres", {
            "GLUCOLAKE_DBT_PG_HOST": warehouse.host,
            "GLUCOLAKE_DBT_PG_PORT": str(warehouse.port),
            "GLUCOLAKE_DBT_PG_USER": warehouse.user,
            "GLUCOLAKE_DBT_PG_DATABASE": warehouse.dbname,
            "DBT_ENV_SECRET_PG_PASSWORD": _reveal(warehouse.password),
        }
    return "warehouse_duckdb", {"GLUCOLAKE_DBT_WAREHOUSE_PATH": str(warehouse)}


def run_dbt(
    settings: Settings,
    command: str | list[str],
    *,
    select: list[str],
    exclude: list[str] | None = None,
    target: tuple[str, dict[str, str]],
    extra_vars: Mapping[str, Any] | None = None,
) -> DbtRun:
    """Run ``dbt <command> --select …`` against ``target``; raise DbtError on any failure."""
    from dbt.cli.main import dbtRunner  # noqa: PLC0415 - dbt's import is seconds; only here

    name, env = target
    work = settings.home / "dbt"
    dbt_vars = {
        "lake": settings.lake,
        "raw_paths": full_raw_paths(settings.lake),
        **(extra_vars or {}),
    }
    args = [
        *([command] if isinstance(command, str) else command),
        "--project-dir",
        str(settings.dbt_project_dir),
        "--profiles-dir",
        str(settings.dbt_project_dir),
        "--target",
        name,
        "--vars",
        json.dumps(dbt_vars),
        "--log-path",
        str(work / "logs"),
        "--target-path",
        str(work / "target"),
        "--select",
        *select,
        *(["--exclude", *exclude] if exclude else []),
        # dbt's own console output would repeat what we report; its file log keeps everything.
        "--log-level",
        "none",
        "--log-level-file",
        "info",
    ]
    with dbt_environment(env):
        result = dbtRunner().invoke(args)
    failures = _failures(result.result)
    if not result.success or failures:
        lines = failures or [_one_line(str(result.exception or "dbt failed without a message"))]
        raise DbtError("\n".join(lines) + f"\n(details: {work / 'logs' / 'dbt.log'})")
    nodes = len(getattr(result.result, "results", []) or [])
    seconds = float(getattr(result.result, "elapsed_time", 0.0) or 0.0)
    log.info(
        "dbt_finished", extra=fields(command=command, target=name, nodes=nodes, seconds=seconds)
    )
    return DbtRun(nodes=nodes, seconds=seconds)


def _failures(execution: object) -> list[str]:
    """One line per node that errored or failed: ``model stg_x: <first line of the message>``."""
    lines = []
    for node_result in getattr(execution, "results", []) or []:
        status = str(getattr(node_result, "status", ""))
        if status.lower() in {"error", "fail", "runtimeerr", "runtime error"}:
            node = node_result.node
            message = _one_line(node_result.message or status)
            lines.append(f"{node.resource_type} {node.name}: {message}")
    return lines


_MAX_MESSAGE = 400


def _one_line(message: str) -> str:
    words = " ".join(line.strip() for line in message.splitlines() if line.strip())
    return words if len(words) <= _MAX_MESSAGE else words[: _MAX_MESSAGE - 3] + "..."


@contextmanager
def dbt_environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for dbt (its profiles read them through env_var), then restore."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _reveal(secret: Secret | None) -> str:
    return secret.reveal() if secret is not None else ""
