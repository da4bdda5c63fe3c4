"""An in-memory Nightscout twin with the server's query semantics, for walking logic."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from glucolake.ingest.walk import COLLECTION_SPECS, parse_time_ms
from glucolake.nightscout.client import ClientStats
from glucolake.settings import Source


@dataclass
class MemorySite:
    """Serves documents like Nightscout v1: parseInt'd date filters, newest first."""

    documents: dict[str, list[dict[str, Any]]]
    source: Source = field(default_factory=lambda: Source(id="memory", url="http://memory/"))
    stats: ClientStats = field(default_factory=ClientStats)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def get_json(self, endpoint: str, params: dict[str, Any] | None = None) -> Any:
        params = dict(params or {})
        self.calls.append({"endpoint": endpoint, **params})
        name = endpoint.removesuffix(".json")
        spec = COLLECTION_SPECS[name]
        docs = self.documents.get(name, [])
        key = spec.time_field

        def bound(op: str) -> float | str | None:
            value = params.get(f"find[{key}][{op}]")
            if value is None:
                return None
            return int(str(value).split(".")[0]) if spec.numeric_time else str(value)

        lower, upper = bound("$gte"), bound("$lt")
        selected = []
        for doc in docs:
            value = doc.get(key)
            if spec.numeric_time and not isinstance(value, int | float):
                continue
            if not spec.numeric_time and not isinstance(value, str):
                continue
            if lower is not None and not value >= lower:
                continue
            if upper is not None and not value < upper:
                continue
            selected.append(doc)
        selected.sort(key=lambda d: parse_time_ms(spec, d) or 0, reverse=True)
        return selected[: int(params["count"])]


@pytest.fixture(scope="session")
def memory_site():
    return MemorySite
