"""The cohort file the ingest client reads: ``sources: [{id, url, timezone?, api_secret_env?}]``.

The secret itself is never written; a source that needs credentials names the environment
variable that will hold it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from glucolake.files import write_atomic

if TYPE_CHECKING:
    from pathlib import Path

    from glucolake.simulate.server import SimulatorServer

__all__ = ["API_SECRET_ENV", "sources_document", "write_sources_file"]

API_SECRET_ENV = "GLUCOLAKE_SIM_API_SECRET"  # noqa: S105 - a variable name, not a secret


def sources_document(server: SimulatorServer) -> dict[str, Any]:
    """The cohort of a running simulator, with its real URLs."""
    sources: list[dict[str, Any]] = []
    for source_id in server.source_ids:
        entry: dict[str, Any] = {"id": source_id, "url": server.url_for(source_id)}
        timezone = server.timezone_of(source_id)
        if timezone is not None:
            entry["timezone"] = timezone
        if server.config.role_for(source_id) == "denied":
            entry["api_secret_env"] = API_SECRET_ENV
        sources.append(entry)
    return {"sources": sources}


def write_sources_file(server: SimulatorServer, path: Path) -> None:
    """Write the cohort YAML whole (temporary file, then rename)."""
    text = yaml.safe_dump(sources_document(server), sort_keys=False)
    write_atomic(path, text.encode("utf-8"))
