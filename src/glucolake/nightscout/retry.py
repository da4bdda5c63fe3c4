"""Bounded exponential backoff with full jitter, honouring ``Retry-After``."""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

__all__ = ["RetryPolicy", "retry_after_seconds"]


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How often and how long to retry a transient failure."""

    attempts: int = 6
    """Total attempts per request, the first included."""
    base_delay: float = 0.5
    """Delay cap before the second attempt, in seconds; doubles with every attempt."""
    max_delay: float = 30.0
    """No single wait is longer than this, ``Retry-After`` included."""

    def delay(self, attempt: int, *, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based).

        Full jitter (a uniform draw up to the exponential cap) keeps many sources that failed
        together from retrying in lockstep. A server's ``Retry-After`` is a floor, not a hint.
        """
        cap = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        wait = random.uniform(0, cap)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_delay))
        return wait


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a ``Retry-After`` header: delta-seconds or an HTTP date; ``None`` if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import UTC, datetime  # noqa: PLC0415 - only needed for the rare date form

    return max(0.0, (when - datetime.now(UTC)).total_seconds())
