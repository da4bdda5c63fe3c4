"""The one typed settings object, built once at the command line from an environment mapping.

Nothing else in the package reads ``os.environ``: the CLI passes ``os.environ`` here, tests pass a
plain dict. Secrets are wrapped in :class:`Secret` so they never print, and every value that cannot
be trusted fails fast with a :class:`ConfigError` whose message is one line naming what is wrong and
where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ConfigError",
    "PostgresWarehouse",
    "S3Settings",
    "Secret",
    "Settings",
    "Source",
    "redacted_url",
    "validate_timezone",
]

# In a source checkout (and an editable install) the dbt project sits next to src/.
_REPOSITORY_DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt"
SOURCE_ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
ENV_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEFAULT_HOME = ".glucolake"


class ConfigError(ValueError):
    """A setting is missing or wrong; the message is one line naming the setting and the place."""


@dataclass(frozen=True)
class Secret:
    """A secret value that never shows itself in ``repr``, ``str``, logs or tracebacks."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        """Return the secret itself; call this only where it is sent over the wire."""
        return self._value

    def __str__(self) -> str:
        """Mask the value."""
        return "********"

    def __repr__(self) -> str:
        """Mask the value."""
        return "Secret('********')"


@dataclass(frozen=True, kw_only=True)
class Source:
    """One Nightscout site of the cohort."""

    id: str
    """Stable identifier, ``[a-z0-9-]``; the first partition key of every table."""
    url: str
    """Base URL of the site, possibly with a path prefix; never carries credentials."""
    timezone: str | None = None
    """IANA time zone configured for the source; ``None`` means: take the site's profile's."""
    api_secret_env: str | None = None
    """Name of the environment variable that held the API secret (for error messages)."""
    token_env: str | None = None
    """Name of the environment variable that held the access token (for error messages)."""
    api_secret: Secret | None = None
    token: Secret | None = None

    @property
    def credential_env(self) -> str | None:
        """The environment variable a user should check when the site rejects us."""
        return self.token_env if self.token is not None else self.api_secret_env


@dataclass(frozen=True, kw_only=True)
class S3Settings:
    """How to reach an S3 endpoint; any unset value is left to the SDK's default chain."""

    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: Secret | None = None
    secret_access_key: Secret | None = None


@dataclass(frozen=True, kw_only=True)
class PostgresWarehouse:
    """A Postgres warehouse, from a ``postgresql://user:password@host:port/dbname`` URL."""

    host: str
    port: int
    user: str
    dbname: str
    password: Secret | None = None

    @property
    def display(self) -> str:
        """Where the warehouse is, without the password."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything a glucolake command needs to know about its environment."""

    home: Path
    """Where the one-machine lake, warehouse and lineage file live."""
    lake: str
    """A local folder (absolute path) or ``s3://bucket/prefix``."""
    s3: S3Settings
    warehouse: Path | PostgresWarehouse
    """The DuckDB file holding the marts, or a Postgres database."""
    dbt_project_dir: Path
    """The dbt project (``dbt/`` in the repository, ``/app/dbt`` in the image)."""
    expectations_dir: Path
    """The quality gate's suites (``expectations/`` in the repository)."""
    workflows_dir: Path
    """The Argo workflows ``glucolake run`` walks (``charts/glucolake/files/workflows/``)."""
    lineage_url: str | None = None
    """Marquez or any OpenLineage HTTP endpoint; unset: $GLUCOLAKE_HOME/lineage.jsonl."""
    lineage_namespace: str = "glucolake"
    """The OpenLineage namespace of glucolake's jobs."""
    pipeline_run_id: str | None = None
    """The pipeline run this process belongs to (the Argo workflow's uid, or glucolake run's id)."""
    sources: tuple[Source, ...] = ()

    @property
    def dbt_work_dir(self) -> Path:
        """The folder of dbt's ``logs`` and ``target`` (last parse, artifacts) in this home."""
        return self.home / "dbt"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value, so that log redaction can mask them as a last line of defence."""
        values = [
            s.reveal() for src in self.sources for s in (src.api_secret, src.token) if s is not None
        ]
        values += [s.reveal() for s in (self.s3.access_key_id, self.s3.secret_access_key) if s]
        if isinstance(self.warehouse, PostgresWarehouse) and self.warehouse.password:
            values.append(self.warehouse.password.reveal())
        return tuple(v for v in values if v)

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str],
        *,
        sources_file: Path | None = None,
        url: str | None = None,
        source_id: str | None = None,
        timezone: str | None = None,
        require_sources: bool = True,
    ) -> Settings:
        """Build the settings from an environment mapping and the command-line options.

        Raises:
            ConfigError: a value is missing, malformed, or names something that does not exist.
        """
        home = Path(environ.get("GLUCOLAKE_HOME") or DEFAULT_HOME).absolute()
        lake = _lake_location(environ.get("GLUCOLAKE_LAKE") or str(home / "lake"))
        s3 = S3Settings(
            endpoint_url=environ.get("AWS_ENDPOINT_URL") or None,
            region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None,
            access_key_id=_secret(environ.get("AWS_ACCESS_KEY_ID")),
            secret_access_key=_secret(environ.get("AWS_SECRET_ACCESS_KEY")),
        )
        sources = _load_sources(
            environ,
            sources_file=sources_file,
            url=url,
            source_id=source_id,
            timezone=timezone,
        )
        if require_sources and not sources:
            raise ConfigError(
                "no Nightscout source configured: pass --sources FILE, or --url URL "
                "(or set NIGHTSCOUT_URL)"
            )
        project = Path(environ.get("GLUCOLAKE_DBT_PROJECT_DIR") or _REPOSITORY_DBT_PROJECT)
        if not (project / "dbt_project.yml").is_file():
            raise ConfigError(f"GLUCOLAKE_DBT_PROJECT_DIR: no dbt_project.yml in {project}")
        return cls(
            home=home,
            lake=lake,
            s3=s3,
            warehouse=_warehouse(environ.get("GLUCOLAKE_WAREHOUSE"), home),
            dbt_project_dir=project.absolute(),
            expectations_dir=Path(
                environ.get("GLUCOLAKE_EXPECTATIONS_DIR") or project.parent / "expectations"
            ).absolute(),
            workflows_dir=Path(
                environ.get("GLUCOLAKE_WORKFLOWS_DIR")
                or project.parent / "charts" / "glucolake" / "files" / "workflows"
            ).absolute(),
            sources=sources,
            lineage_url=environ.get("OPENLINEAGE_URL") or None,
            lineage_namespace=environ.get("OPENLINEAGE_NAMESPACE") or "glucolake",
            pipeline_run_id=environ.get("GLUCOLAKE_RUN_ID") or None,
        )


def validate_timezone(name: str, *, where: str) -> str:
    """Return ``name`` if it is an IANA time zone this machine knows, else raise ConfigError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: unknown time zone {name!r} (expected an IANA name such as Europe/Berlin)"
        ) from None
    return name


def redacted_url(url: str) -> str:
    """Drop user info, query and fragment from a URL so it can be logged and stored."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _secret(value: str | None) -> Secret | None:
    return Secret(value) if value else None


def _warehouse(value: str | None, home: Path) -> Path | PostgresWarehouse:
    if not value:
        return home / "warehouse.duckdb"
    if not value.startswith(("postgresql://", "postgres://")):
        return Path(value).absolute()
    parts = urlsplit(value)
    dbname = parts.path.lstrip("/")
    if not parts.hostname or not parts.username or not dbname:
        raise ConfigError(
            f"GLUCOLAKE_WAREHOUSE: {redacted_url(value)!r} needs a user, a host and a database "
            "(postgresql://user:password@host:5432/dbname)"
        )
    try:
        port = parts.port or 5432
    except ValueError:
        raise ConfigError(
            f"GLUCOLAKE_WAREHOUSE: {redacted_url(value)!r} has an invalid port"
        ) from None
    return PostgresWarehouse(
        host=parts.hostname,
        port=port,
        user=unquote(parts.username),
        dbname=dbname,
        password=_secret(unquote(parts.password)) if parts.password else None,
    )


def _lake_location(value: str) -> str:
    if value.startswith("s3://"):
        bucket = value.removeprefix("s3://").split("/", 1)[0]
        if not bucket:
            raise ConfigError(
                f"GLUCOLAKE_LAKE: {value!r} names no bucket (expected s3://bucket/prefix)"
            )
        return value.rstrip("/")
    if "://" in value:
        raise ConfigError(f"GLUCOLAKE_LAKE: {value!r} is neither a folder nor an s3:// URL")
    return str(Path(value).absolute())


def _load_sources(
    environ: Mapping[str, str],
    *,
    sources_file: Path | None,
    url: str | None,
    source_id: str | None,
    timezone: str | None,
) -> tuple[Source, ...]:
    single_url = url or environ.get("NIGHTSCOUT_URL") or None
    if sources_file is not None:
        if url or source_id or timezone:
            raise ConfigError("--sources FILE cannot be combined with --url/--source-id/--timezone")
        return _sources_from_file(sources_file, environ)
    if single_url is None:
        if source_id or timezone:
            raise ConfigError("--source-id/--timezone need --url (or NIGHTSCOUT_URL)")
        return ()
    entry: dict[str, Any] = {
        "id": source_id or _id_from_url(single_url),
        "url": single_url,
        "timezone": timezone,
        "api_secret_env": "NIGHTSCOUT_API_SECRET" if environ.get("NIGHTSCOUT_API_SECRET") else None,
        "token_env": "NIGHTSCOUT_TOKEN" if environ.get("NIGHTSCOUT_TOKEN") else None,
    }
    return (_source_from_entry(entry, environ, where="--url"),)


def _id_from_url(url: str) -> str:
    host = (urlsplit(url).hostname or "").split(".")[0].lower()
    candidate = re.sub(r"[^a-z0-9-]+", "-", host).strip("-")
    return candidate or "nightscout"


def _sources_from_file(path: Path, environ: Mapping[str, str]) -> tuple[Source, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"sources file {path}: cannot read it ({exc.strerror})") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"sources file {path}: invalid YAML{line}") from None
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise ConfigError(f"sources file {path}: expected a mapping with a 'sources:' list")
    entries: list[Any] = document["sources"]
    if not entries:
        raise ConfigError(f"sources file {path}: the 'sources:' list is empty")
    sources: list[Source] = []
    for index, entry in enumerate(entries):
        where = f"sources file {path}, entry {index + 1}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a mapping with id and url")
        if isinstance(entry.get("id"), str):
            where = f"sources file {path}, source {entry['id']!r}"
        sources.append(_source_from_entry(entry, environ, where=where))
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise ConfigError(f"sources file {path}: source id {source.id!r} appears twice")
        seen.add(source.id)
    return tuple(sources)


def _source_from_entry(entry: dict[str, Any], environ: Mapping[str, str], *, where: str) -> Source:
    source_id = entry.get("id")
    if not isinstance(source_id, str) or not SOURCE_ID_PATTERN.match(source_id):
        raise ConfigError(
            f"{where}: id {source_id!r} must be 1-63 characters of a-z, 0-9 and '-', "
            "starting and ending with a letter or digit"
        )
    url = entry.get("url")
    if not isinstance(url, str):
        raise ConfigError(f"{where}: url is missing")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"{where}: url {redacted_url(url)!r} is not an http(s) URL")
    if parts.username or parts.password or parts.query:
        raise ConfigError(
            f"{where}: url must not carry credentials or a query; use api_secret_env or token_env"
        )
    timezone = entry.get("timezone")
    if timezone is not None:
        if not isinstance(timezone, str):
            raise ConfigError(f"{where}: timezone must be a string")
        validate_timezone(timezone, where=where)
    api_secret_env = _env_name(entry, "api_secret_env", where)
    token_env = _env_name(entry, "token_env", where)
    return Source(
        id=source_id,
        url=url.rstrip("/") + "/",
        timezone=timezone,
        api_secret_env=api_secret_env,
        token_env=token_env,
        api_secret=_required_secret(environ, api_secret_env, where),
        token=_required_secret(environ, token_env, where),
    )


def _env_name(entry: dict[str, Any], key: str, where: str) -> str | None:
    name = entry.get(key)
    if name is None:
        return None
    if not isinstance(name, str) or not ENV_NAME_PATTERN.match(name):
        raise ConfigError(f"{where}: {key} {name!r} is not an environment variable name")
    return name


def _required_secret(environ: Mapping[str, str], name: str | None, where: str) -> Secret | None:
    if name is None:
        return None
    value = environ.get(name)
    if not value:
        raise ConfigError(f"{where}: environment variable {name} is not set")
    return Secret(value)
