"""Running the one dbt project in-process, with glucolake's settings and never a secret in a var.

dbt's start-up costs seconds, so it runs through ``dbtRunner`` in this process rather than as a
child. Connection settings travel as environment variables for the duration of the call only
(that is how ``profiles.yml`` reads them); secrets use dbt's ``DBT_ENV_SECRET_`` prefix, which
dbt scrubs from its logs and artifacts. dbt ``--vars`` end up in ``manifest.json`` and
``run_results.json``, so they never carry a secret.

Parsing the project is most of a dbt call's cost, and dbt parses only what changed since its
last parse (``partial_parse.msgpack``) unless the vars, the target or the profile changed. So the
vars hold only what stays the same from one build to the next (the lake, every raw file), and
what changes with every build (whether it is incremental, its scope and the raw files it reads)
goes to a JSON file that the models read when they run (``dbt/macros/scope.sql``). dbt keeps
one partial-parse file per target folder, and the lake and the warehouse share that folder, so
each target's file is kept aside between calls, in the lake (``_partial_parse_kept``). The Python
code Jinja generates for dbt's templates is kept in the home from one call to the next
(``glucolake.jinja_code``).
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from glucolake.importing import import_uncollected
from glucolake.jinja_code import kept_compiled_templates
from glucolake.lake.duckdb_access import (
    MEMORY_LIMIT,
    extension_directory,
    lake_connection,
    s3_options,
    spill_directory,
)
from glucolake.lake.storage import Lake, LakeError
from glucolake.logs import fields, get_logger
from glucolake.settings import PostgresWarehouse
from glucolake.transform.scope import full_raw_paths

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from glucolake.settings import Secret, Settings

__all__ = [
    "BUILD_ENV",
    "DbtError",
    "DbtRun",
    "build_setting",
    "dbt_environment",
    "lake_target",
    "run_dbt",
    "warehouse_target",
]

log = get_logger(__name__)
T = TypeVar("T")

_DBT_TEMPLATES = ("jinja2", "dbt-common", "dbt-core")
"""The packages whose code compiles dbt's templates (see ``glucolake.jinja_code``)."""
BUILD_ENV = "GLUCOLAKE_DBT_BUILD"
"""Names the JSON file of a build's ``scope`` and ``raw_paths`` (read by dbt/macros/scope.sql)."""
PARSE_CACHE = "state/dbt/partial_parse"
"""Where the lake keeps dbt's last parse of each target."""
SCOPED_BUILD_THREADS = 2
"""Models an incremental build runs at once (a full build keeps its profile's, see profiles.yml).

A refresh's models are small: their time is dbt's and the file work around a short query, which
a second thread overlaps with another model's (a 100-source year's refresh: intermediate 3.43 s
to 3.32 s, curated 6.9 s to 6.65 s). Threads are a run-time flag, so the parse is the same.
"""


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
    build: Mapping[str, Any] | None = None,
    unit_tests: bool = False,
) -> DbtRun:
    """Run ``dbt <command> --select …`` against ``target``; raise DbtError on any failure.

    ``build`` is what ``dbt_scope_vars`` gave for this build (``scope`` and ``raw_paths``);
    without it, a full build of every raw file. A ``build`` leaves dbt's unit tests out unless
    ``unit_tests`` asks for them.
    """
    name, env = target
    # dbt imports the target's adapter when the command starts: imported here, with dbt, it
    # is out of the collector's sight too. Every target but Postgres is dbt-duckdb.
    adapter = "postgres" if name == "warehouse_postgres" else "duckdb"
    import_uncollected("dbt.cli.main", f"dbt.adapters.{adapter}")
    from dbt.cli.main import dbtRunner  # noqa: PLC0415 - dbt's import is seconds; only here

    work = settings.dbt_work_dir
    every_file = full_raw_paths(settings.lake)
    settings_of_build = {"scope": None, "raw_paths": every_file, **(build or {})}
    # Only values that stay the same from build to build: a change makes dbt parse everything.
    dbt_vars = {"lake": settings.lake, "raw_paths": every_file}
    builds = (command if isinstance(command, str) else command[0]) == "build"
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
        *(["--exclude-resource-type", "unit_test"] if builds and not unit_tests else []),
        *(
            ["--threads", str(SCOPED_BUILD_THREADS)]
            if settings_of_build["scope"] is not None
            else []
        ),
        # dbt's own console output would repeat what we report; its file log keeps everything.
        "--log-level",
        "none",
        "--log-level-file",
        "info",
    ]
    with (
        _build_file(work, settings_of_build) as build_file,
        _partial_parse_kept(settings, work, name),
        dbt_environment({**env, BUILD_ENV: str(build_file)}),
        kept_compiled_templates(work, _DBT_TEMPLATES),
    ):
        result = dbtRunner().invoke(args)
    failures = _failures(result.result)
    if not result.success or failures:
        lines = failures or [_one_line(str(result.exception or "dbt failed without a message"))]
        raise DbtError("\n".join(lines) + f"\n(details: {work / 'logs' / 'dbt.log'})")
    results = getattr(result.result, "results", []) or []
    nodes = len(results)
    unit_tests_run = sum(1 for r in results if str(r.node.resource_type) == "unit_test")
    seconds = float(getattr(result.result, "elapsed_time", 0.0) or 0.0)
    log.info(
        "dbt_finished",
        extra=fields(
            command=command, target=name, nodes=nodes, unit_tests=unit_tests_run, seconds=seconds
        ),
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
def _build_file(work: Path, build: Mapping[str, Any]) -> Iterator[Path]:
    """The build's settings as a JSON file for the models to read, removed after the call."""
    work.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="build-", suffix=".json", dir=work)
    path = Path(name)
    try:
        with os.fdopen(handle, "w") as file:
            json.dump(build, file)
        yield path
    finally:
        path.unlink(missing_ok=True)


def build_setting(name: str) -> Any:  # noqa: ANN401 - a JSON value
    """``scope`` or ``raw_paths`` of the build running now, for a Python model.

    The file ``_build_file`` wrote for this dbt call, read as ``dbt/macros/scope.sql`` reads it
    for the SQL models: when the model runs, never from a config (configs are parsed, and a full
    build and the refreshes after it share one parse).
    """
    path = os.environ.get(BUILD_ENV)
    if not path:
        msg = f"no build settings ({BUILD_ENV} is not set): run the lake side through glucolake"
        raise RuntimeError(msg)
    return json.loads(Path(path).read_text())[name]


@contextmanager
def _partial_parse_kept(settings: Settings, work: Path, target: str) -> Iterator[None]:
    """Give dbt the last parse of this target; keep the one it leaves.

    dbt reads and writes ``<target-path>/partial_parse.msgpack``, one file for every target, and
    a file written for another target (or with other vars) makes it parse everything again, 2 s
    per dbt step. The files are kept in the lake rather than the home: on the cluster
    each step runs in a pod whose home is an empty scratch folder, so every dbt step of every
    refresh parsed the whole project. dbt checks the file itself (dbt version, vars, target,
    profile, each file's checksum), so a kept file is never trusted blindly, and a lake that
    cannot keep one only costs a parse: the build goes on.
    """
    lake = Lake.open(settings.lake, settings.s3)
    kept = f"{PARSE_CACHE}/{target}.msgpack"
    current = work / "target" / "partial_parse.msgpack"
    given = _quietly(lambda: lake.get(kept))
    if given is not None:
        current.parent.mkdir(parents=True, exist_ok=True)
        current.write_bytes(given)
    try:
        yield
    finally:
        left = current.read_bytes() if current.exists() else None
        if left is not None and left != given:
            _quietly(lambda: lake.put_atomic(kept, left))


def _quietly(action: Callable[[], T]) -> T | None:
    """``action()``, or None with a warning when the lake fails it (the parse cache is optional)."""
    try:
        return action()
    except LakeError as exc:
        log.warning("dbt_parse_cache_unavailable", extra=fields(reason=str(exc)))
        return None


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
