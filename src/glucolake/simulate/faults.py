"""Deterministic HTTP fault scheduling.

Whether a request fails, and how, is a function of ``(seed, request key, attempt number for that
key)`` only; the key leaves out credentials. So the n-th attempt at the same page fails the same
way in every run, whatever the thread interleaving, and a key never fails more than
``max_consecutive`` times in a row: a client that tries ``max_consecutive + 1`` times gets through.
"""

from __future__ import annotations

import hashlib
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from glucolake.simulate.auth import public_params

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["FAULT_KINDS", "FaultPlan", "request_key"]

FAULT_KINDS: tuple[str, ...] = (
    "http_500",
    "http_429",
    "slow",
    "connection_reset",
    "truncated_body",
    "invalid_json",
)


def request_key(scope: str, path: str, query: str) -> str:
    """A canonical key for a request: scope (source), path and sorted non-credential params."""
    return f"{scope} {path}?{urlencode(sorted(public_params(query)))}"


class FaultPlan:
    """Decides, per request, whether to inject a fault and which one."""

    def __init__(
        self, seed: int, rate: float, kinds: Sequence[str], max_consecutive: int = 2
    ) -> None:
        """Fail about ``rate`` of requests with one of ``kinds``."""
        unknown = set(kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        self._seed = seed
        self._rate = rate if kinds else 0.0
        self._kinds = tuple(kinds)
        self._max_consecutive = max_consecutive
        self._attempts: dict[str, int] = {}
        self._run: dict[str, int] = {}
        self._lock = threading.Lock()

    def candidate(self, key: str, attempt: int) -> str | None:
        """The fault drawn for ``attempt`` of ``key``, before the consecutive-fault cap."""
        digest = hashlib.blake2b(f"{self._seed}\x00{key}\x00{attempt}".encode(), digest_size=16)
        raw = digest.digest()
        u = int.from_bytes(raw[:8], "big") / 2**64
        if u >= self._rate:
            return None
        return self._kinds[int.from_bytes(raw[8:], "big") % len(self._kinds)]

    def decide(self, key: str) -> str | None:
        """Register one attempt at ``key`` and return the fault kind to inject, if any."""
        with self._lock:
            attempt = self._attempts.get(key, 0)
            self._attempts[key] = attempt + 1
            run = self._run.get(key, 0)
            kind = self.candidate(key, attempt) if run < self._max_consecutive else None
            self._run[key] = run + 1 if kind else 0
        return kind
