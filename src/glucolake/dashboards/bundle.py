"""The dashboards' bundle: Superset's export format, kept as YAML in ``superset/``.

Layout (as ``superset export-dashboards`` writes it, minus the numeric ids)::

    metadata.yaml                     version 1.0.0, type Dashboard
    databases/<database_name>.yaml    the warehouse connection, with no password
    datasets/<database_name>/*.yaml   physical tables of schema marts, and virtual datasets
    charts/<slug>.yaml                one chart each, ``dataset_uuid`` naming its dataset
    dashboards/<slug>.yaml            the layout (``position``), native filters (``metadata``)

Every reference is a uuid; Superset maps them to its own ids on import. The database's
``sqlalchemy_uri`` is replaced at build time by the warehouse given on the command line, with
Superset's password mask in place of the password: the import then takes the password from the
request (a URI with no password at all would make Superset store none).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import yaml

__all__ = [
    "BUNDLE_ROOT",
    "KINDS",
    "PASSWORD_MASK",
    "Bundle",
    "BundleError",
    "build_zip",
    "check_bundle",
    "database_file",
    "load_bundle",
    "superset_uri",
    "write_zip",
]

BUNDLE_ROOT = "glucolake_dashboards"
"""The folder every file of the ZIP sits in (Superset strips it on import)."""
PASSWORD_MASK = "X" * 10
"""What Superset writes instead of a password on export and expects where one is supplied."""
KINDS = ("databases", "datasets", "charts", "dashboards")
_DRIVER = "postgresql+psycopg2"


class BundleError(ValueError):
    """The bundle or the warehouse URL is wrong; the message says which file and what."""


@dataclass(frozen=True)
class Bundle:
    """The YAML documents of a bundle, keyed by their path relative to the bundle's folder."""

    documents: dict[str, dict[str, Any]]

    def of_kind(self, kind: str) -> dict[str, dict[str, Any]]:
        """The documents under ``databases/``, ``datasets/``, ``charts/`` or ``dashboards/``."""
        return {p: d for p, d in self.documents.items() if p.startswith(f"{kind}/")}

    def chart_slugs(self) -> dict[str, dict[str, Any]]:
        """Each chart by its file's stem (``charts/agp.yaml`` → ``agp``)."""
        return {Path(p).stem: d for p, d in sorted(self.of_kind("charts").items())}


def load_bundle(path: Path) -> Bundle:
    """Read every YAML document of a bundle: its folder, or a ZIP that ``build_zip`` wrote.

    Raises:
        BundleError: nothing there, or a file is not a YAML mapping.
    """
    if path.is_file() and zipfile.is_zipfile(path):
        return _bundle_from_zip(path)
    if not (path / "metadata.yaml").is_file():
        raise BundleError(f"{path}: no metadata.yaml (neither a bundle folder nor its ZIP)")
    files = [path / "metadata.yaml"]
    for kind in KINDS:
        files += sorted((path / kind).rglob("*.yaml"))
    return Bundle(
        {
            f.relative_to(path).as_posix(): _document(
                f.relative_to(path).as_posix(), f.read_text(encoding="utf-8")
            )
            for f in files
        }
    )


def _bundle_from_zip(path: Path) -> Bundle:
    documents: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            # Every file sits in one top folder (Superset strips it on import; so do we).
            _, _, relative = name.partition("/")
            if relative == "metadata.yaml" or (
                relative.startswith(tuple(f"{kind}/" for kind in KINDS))
                and relative.endswith(".yaml")
            ):
                documents[relative] = _document(relative, archive.read(name).decode("utf-8"))
    if "metadata.yaml" not in documents:
        raise BundleError(f"{path}: no metadata.yaml in the ZIP (not a Superset bundle)")
    return Bundle(documents)


def _document(relative: str, text: str) -> dict[str, Any]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise BundleError(f"{relative}: invalid YAML{line}") from None
    if not isinstance(document, dict):
        raise BundleError(f"{relative}: expected a mapping")
    return document


def check_bundle(bundle: Bundle) -> None:
    """Prove the bundle links up and carries no password.

    Every file has a uuid, uuids are unique, every dataset's database, every chart's dataset,
    every dashboard chart and every native filter's dataset exists, and no database URI holds
    a password.

    Raises:
        BundleError: one line per problem found.
    """
    problems = _uuid_problems(bundle) + _password_problems(bundle) + _link_problems(bundle)
    if problems:
        raise BundleError("; ".join(problems))


def superset_uri(warehouse_url: str) -> str:
    """The Superset connection URI for ``postgresql://USER@HOST:PORT/DB``, password masked.

    A URI that already holds Superset's mask (one from a built ZIP) is taken as it is.

    Raises:
        BundleError: the URL carries a password, or lacks a user, host or database.
    """
    parts = urlsplit(warehouse_url)
    # Shown in errors: no user info (it may hold the password), no query.
    shown = urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path, "", ""))
    if parts.scheme not in {"postgresql", "postgres", _DRIVER}:
        raise BundleError(f"--warehouse-url {shown!r}: expected postgresql://USER@HOST:PORT/DB")
    if parts.password not in {None, PASSWORD_MASK}:
        raise BundleError(
            f"--warehouse-url {shown!r} carries a password: leave it out, and give it at import "
            "time in GLUCOLAKE_DASHBOARD_DB_PASSWORD"
        )
    database = parts.path.lstrip("/")
    if not parts.username or not parts.hostname or not database or parts.query:
        raise BundleError(
            f"--warehouse-url {shown!r}: expected postgresql://USER@HOST:PORT/DB "
            "(a user, a host and a database, no query)"
        )
    try:
        port = parts.port or 5432
    except ValueError:
        raise BundleError(f"--warehouse-url {shown!r}: invalid port") from None
    user = quote(unquote(parts.username), safe="")
    return f"{_DRIVER}://{user}:{PASSWORD_MASK}@{parts.hostname}:{port}/{database}"


def build_zip(
    bundle: Bundle, *, warehouse_url: str | None = None, bundle_type: str = "Dashboard"
) -> bytes:
    """The importable ZIP, in memory.

    Args:
        bundle: the bundle; it is checked first.
        warehouse_url: ``postgresql://USER@HOST:PORT/DB`` for the bundle's database (it must
            hold exactly one); ``None`` keeps the bundle's own URI.
        bundle_type: ``Dashboard`` for Superset's dashboard import (its UI, its
            ``import-dashboards`` command), ``assets`` for ``/api/v1/assets/import/``, the one
            import that replaces the database, datasets and charts it already has (the
            dashboard import only replaces the dashboard itself).

    Raises:
        BundleError: the bundle does not check, or the URL is refused.
    """
    check_bundle(bundle)
    documents = dict(bundle.documents)
    path = database_file(bundle)
    database = documents[path]
    uri = superset_uri(warehouse_url or str(database["sqlalchemy_uri"]))
    documents[path] = {**database, "sqlalchemy_uri": uri}
    documents["metadata.yaml"] = {
        **documents["metadata.yaml"],
        "type": bundle_type,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative, document in sorted(documents.items()):
            text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
            archive.writestr(f"{BUNDLE_ROOT}/{relative}", text)
    return buffer.getvalue()


def write_zip(bundle: Bundle, out: Path, *, warehouse_url: str | None = None) -> None:
    """Write :func:`build_zip`'s ZIP whole (a temporary name, then a rename).

    Raises:
        BundleError: the bundle does not check, or the URL is refused.
    """
    data = build_zip(bundle, warehouse_url=warehouse_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.write_bytes(data)
    temporary.replace(out)


def database_file(bundle: Bundle) -> str:
    """The path of the bundle's one database file, the key of its password on import.

    Raises:
        BundleError: the bundle holds no database or several.
    """
    databases = sorted(bundle.of_kind("databases"))
    if len(databases) != 1:
        raise BundleError(f"expected exactly one database in the bundle, found {len(databases)}")
    return databases[0]


def _uuid_problems(bundle: Bundle) -> list[str]:
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path, document in bundle.documents.items():
        if path == "metadata.yaml":
            continue
        uuid = str(document.get("uuid") or "")
        if not uuid:
            problems.append(f"{path}: no uuid")
        elif uuid in seen:
            problems.append(f"{path}: uuid {uuid} already used by {seen[uuid]}")
        else:
            seen[uuid] = path
    return problems


def _password_problems(bundle: Bundle) -> list[str]:
    return [
        f"{path}: sqlalchemy_uri carries a password"
        for path, document in bundle.of_kind("databases").items()
        if urlsplit(str(document.get("sqlalchemy_uri", ""))).password not in {None, PASSWORD_MASK}
    ]


def _link_problems(bundle: Bundle) -> list[str]:
    def uuids(kind: str) -> set[str]:
        return {str(d.get("uuid")) for d in bundle.of_kind(kind).values()}

    databases, datasets, charts = uuids("databases"), uuids("datasets"), uuids("charts")
    problems = [
        f"{path}: database_uuid names no database of the bundle"
        for path, document in bundle.of_kind("datasets").items()
        if str(document.get("database_uuid")) not in databases
    ]
    problems += [
        f"{path}: dataset_uuid names no dataset of the bundle"
        for path, document in bundle.of_kind("charts").items()
        if str(document.get("dataset_uuid")) not in datasets
    ]
    for path, document in bundle.of_kind("dashboards").items():
        problems += [
            f"{path}: position names chart {uuid}, which is not in the bundle"
            for uuid in _position_chart_uuids(document)
            if uuid not in charts
        ]
        problems += [
            f"{path}: native filter {name!r} targets dataset {uuid}, which is not in the bundle"
            for name, uuid in _native_filter_datasets(document)
            if uuid not in datasets
        ]
    return problems


def _position_chart_uuids(dashboard: dict[str, Any]) -> list[str]:
    position = dashboard.get("position") or {}
    return [
        str(node.get("meta", {}).get("uuid"))
        for node in position.values()
        if isinstance(node, dict) and node.get("type") == "CHART"
    ]


def _native_filter_datasets(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    metadata = dashboard.get("metadata") or {}
    return [
        (str(native.get("name")), str(target.get("datasetUuid")))
        for native in metadata.get("native_filter_configuration", [])
        for target in native.get("targets", [])
    ]
