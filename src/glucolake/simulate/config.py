"""The simulator's settings, resolved once (by the CLI or a test) into one typed object."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from glucolake.simulate.faults import FAULT_KINDS

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

__all__ = [
    "DEFAULT_FAULT_RATE",
    "DEFAULT_TIMEZONES",
    "AuthRole",
    "Clock",
    "SimulatorConfig",
]

AuthRole = Literal["readable", "denied"]

# Cycled over the sources: DST in both hemispheres, half-hour zones, no-DST zones.
DEFAULT_TIMEZONES: tuple[str, ...] = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Los_Angeles",
    "Pacific/Auckland",
    "Asia/Tokyo",
    "Australia/Adelaide",
)

# `--quirks` without an explicit `--fault-rate` fails this share of requests (deterministically);
# high enough that even a client needing only a few large pages meets some faults.
DEFAULT_FAULT_RATE = 0.2

# Nightscout ignores an API_SECRET shorter than this (`lib/server/enclave.js`).
_MIN_SECRET_LENGTH = 12


def _empty_roles() -> Mapping[str, AuthRole]:
    return MappingProxyType({})


@dataclass(frozen=True, kw_only=True)
class SimulatorConfig:
    """Everything that decides what the simulator serves and how it misbehaves."""

    sources: int = 3
    """Number of generated sources, ids ``patient-001``...; ignored with ``csv_path``."""
    days: int = 14
    """Whole UTC days of history before the day that contains "now"."""
    seed: int = 1
    """Seed of every random choice; the same seed serves the same documents."""
    now: dt.datetime | str | None = None
    """A frozen clock: an aware datetime or ISO 8601 text (UTC if no offset); ``None`` follows
    wall time."""
    host: str = "127.0.0.1"
    """Interface to listen on (keep it on loopback)."""
    port: int = 0
    """First port; 0 lets the OS pick free ones."""
    port_per_source: bool = False
    """Give each source its own port instead of a path prefix on one port."""
    quirks: bool = False
    """Inject bad records (see ``QUIRK_KINDS``) and switch faults on."""
    quirk_scale: float = 1.0
    """Multiplies every quirk rate (tests use it to get many quirks from little data)."""
    fault_rate: float | None = None
    """Share of requests that fail; ``None`` means ``DEFAULT_FAULT_RATE`` with quirks, else 0."""
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    """Which faults may be chosen."""
    slow_seconds: float = 2.0
    """A ``slow`` fault answers a quarter second later than this (set it to the client timeout)."""
    max_consecutive_faults: int = 2
    """A request key never fails more often than this in a row."""
    fail_always: frozenset[str] = frozenset()
    """Sources whose data requests always answer 500."""
    auth: AuthRole = "readable"
    """Default role of anonymous requests (Nightscout's ``AUTH_DEFAULT_ROLES``)."""
    auth_overrides: Mapping[str, AuthRole] = field(default_factory=_empty_roles)
    """Per-source exceptions to ``auth``."""
    api_secret: str | None = field(default=None, repr=False)
    """The sites' API_SECRET (never printed or logged)."""
    omit_timezone: frozenset[str] = frozenset()
    """Sources whose profile carries no ``timezone``."""
    timezones: tuple[str, ...] = DEFAULT_TIMEZONES
    """IANA zones cycled over the generated sources."""
    csv_path: Path | None = None
    """Serve the readings of this ``id,time,gl`` CSV instead of generated data."""
    csv_timezone: str | None = None
    """IANA zone (e.g. ``Etc/GMT+5``) of the CSV's naive wall-clock times."""
    verbose: bool = False
    """Log one JSON line per request to stderr."""

    def __post_init__(self) -> None:
        """Reject settings that cannot work, naming the setting."""
        if self.sources < 1:
            raise ValueError("sources must be at least 1")
        if self.days < 0:
            raise ValueError("days must not be negative")
        _ = self.frozen_now  # fails early on text that is no date-time
        if not 0.0 <= self.effective_fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        unknown = set(self.fault_kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        if self.max_consecutive_faults < 0:
            raise ValueError("max_consecutive_faults must not be negative")
        if self.api_secret is not None and len(self.api_secret) < _MIN_SECRET_LENGTH:
            raise ValueError(f"api_secret must have at least {_MIN_SECRET_LENGTH} characters")
        if "denied" in {self.auth, *self.auth_overrides.values()} and self.api_secret is None:
            raise ValueError("auth 'denied' needs an api_secret, or nobody could read")
        if (self.csv_path is None) != (self.csv_timezone is None):
            raise ValueError("csv_path and csv_timezone go together")

    @property
    def frozen_now(self) -> dt.datetime | None:
        """``now`` as an aware datetime (text parsed, a naive value taken as UTC)."""
        if self.now is None:
            return None
        if isinstance(self.now, str):
            try:
                parsed = dt.datetime.fromisoformat(self.now)
            except ValueError as exc:
                raise ValueError(f"now: {self.now!r} is not an ISO 8601 date-time") from exc
        else:
            parsed = self.now
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)

    @property
    def effective_fault_rate(self) -> float:
        """The fault rate after applying the ``quirks`` default."""
        if self.fault_rate is not None:
            return self.fault_rate
        return DEFAULT_FAULT_RATE if self.quirks else 0.0

    def role_for(self, source_id: str) -> AuthRole:
        """Default role of anonymous requests to ``source_id``."""
        return self.auth_overrides.get(source_id, self.auth)


class Clock:
    """Epoch milliseconds, frozen at a configured instant or following wall time."""

    def __init__(self, frozen: dt.datetime | None = None) -> None:
        """Freeze at ``frozen`` (aware datetime) or follow ``time.time()`` when ``None``."""
        self._frozen_ms = None if frozen is None else int(frozen.timestamp() * 1000)

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still."""
        return self._frozen_ms is not None

    def now_ms(self) -> int:
        """The current instant in epoch milliseconds."""
        if self._frozen_ms is not None:
            return self._frozen_ms
        return time.time_ns() // 1_000_000
