"""One simulated Nightscout site at run time: its data, credentials, counters and clock horizon.

With a live clock the data is generated a day ahead and regenerated (identically, only longer)
when wall time gets close to the end; documents appear as their ``visible`` instant passes.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from glucolake.simulate.dataset import SourceData
from glucolake.simulate.documents import render_devicestatus, render_entries, render_treatments
from glucolake.simulate.finder import CollectionView
from glucolake.simulate.timezones import DAY_MS
from glucolake.simulate.truth import source_truth

if TYPE_CHECKING:
    from glucolake.simulate.auth import Credentials
    from glucolake.simulate.config import AuthRole, Clock
    from glucolake.simulate.query import Collection

__all__ = ["Site", "SiteStats"]

Builder = Callable[[int], SourceData]
"""Builds the site's data up to and including the given UTC day."""


class SiteStats:
    """Thread-safe request counters of one site."""

    def __init__(self) -> None:
        """Start at zero."""
        self._lock = threading.Lock()
        self._requests = 0
        self._statuses: Counter[int] = Counter()
        self._faults: Counter[str] = Counter()
        self._auth_failures = 0
        self._unauthorized = 0

    def record(self, status: int, fault: str | None, *, auth_failed: bool) -> None:
        """Count one answered request."""
        with self._lock:
            self._requests += 1
            self._statuses[status] += 1
            if fault is not None:
                self._faults[fault] += 1
            self._auth_failures += int(auth_failed)
            self._unauthorized += int(status == HTTPStatus.UNAUTHORIZED)

    def snapshot(self) -> dict[str, Any]:
        """Counters as JSON-ready data."""
        with self._lock:
            return {
                "requests": self._requests,
                "responses_by_status": {str(k): v for k, v in sorted(self._statuses.items())},
                "faults": dict(sorted(self._faults.items())),
                "auth_failures": self._auth_failures,
                "unauthorized": self._unauthorized,
            }


class Site:
    """A source served over HTTP."""

    def __init__(
        self,
        data: SourceData,
        *,
        clock: Clock,
        role: AuthRole,
        credentials: Credentials,
        fail_always: bool,
        rebuild: Builder | None = None,
        last_day: int | None = None,
    ) -> None:
        """Serve ``data``; with ``rebuild`` and ``last_day`` it is extended as time passes."""
        self.source_id = data.spec.source_id
        self.role = role
        self.credentials = credentials
        self.fail_always = fail_always
        self.stats = SiteStats()
        self._clock = clock
        self._rebuild = rebuild
        self._last_day = last_day
        self._lock = threading.Lock()
        self._data = data
        self._views = self._make_views(data)

    @property
    def profile_timezone(self) -> str | None:
        """The time zone the profile names (``None`` when it names none)."""
        spec = self._data.spec
        return spec.timezone if spec.profile_timezone else None

    def data(self) -> SourceData:
        """The current data, extended first if a live clock has run close to its end."""
        self._extend_if_needed()
        return self._data

    def view(self, collection: Collection) -> CollectionView:
        """The query view of one collection."""
        self._extend_if_needed()
        return self._views[collection]

    def truth(self) -> dict[str, Any]:
        """The truth manifest as of the clock's now."""
        return source_truth(self.data(), self._clock.now_ms())

    def _extend_if_needed(self) -> None:
        if self._rebuild is None or self._last_day is None:
            return
        wanted = self._clock.now_ms() // DAY_MS + 1
        if wanted <= self._last_day:
            return
        with self._lock:
            if wanted > self._last_day:
                data = self._rebuild(wanted)
                self._views = self._make_views(data)
                self._data = data
                self._last_day = wanted

    @staticmethod
    def _make_views(data: SourceData) -> dict[Collection, CollectionView]:
        return {
            "entries": CollectionView(
                "entries",
                data.entries,
                data.entries["date"],
                lambda rows: render_entries(data, rows),
            ),
            "treatments": CollectionView(
                "treatments",
                data.treatments,
                data.treatments["created"],
                lambda rows: render_treatments(data, rows),
            ),
            "devicestatus": CollectionView(
                "devicestatus",
                data.devicestatus,
                data.devicestatus["created"],
                lambda rows: render_devicestatus(data, rows),
            ),
        }
