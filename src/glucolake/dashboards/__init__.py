"""Superset dashboards kept as text: the bundle in ``superset/`` and the client that imports it.

The bundle is Superset's own export format (YAML for the database, datasets, charts and the
dashboard, linked by uuids). :func:`load_bundle` reads it, :func:`check_bundle` proves it links
up and holds no password, :func:`write_zip` makes the importable ZIP for one warehouse, and
:class:`SupersetClient` imports that ZIP through Superset's REST API. Nothing here imports
Superset: it runs in the pipeline's environment and talks HTTP.
"""

from __future__ import annotations

from glucolake.dashboards.bundle import (
    BUNDLE_ROOT,
    PASSWORD_MASK,
    Bundle,
    BundleError,
    build_zip,
    check_bundle,
    database_file,
    load_bundle,
    superset_uri,
    write_zip,
)
from glucolake.dashboards.client import SupersetClient, SupersetError
from glucolake.dashboards.credentials import ImportCredentials

__all__ = [
    "BUNDLE_ROOT",
    "PASSWORD_MASK",
    "Bundle",
    "BundleError",
    "ImportCredentials",
    "SupersetClient",
    "SupersetError",
    "build_zip",
    "check_bundle",
    "database_file",
    "load_bundle",
    "superset_uri",
    "write_zip",
]
