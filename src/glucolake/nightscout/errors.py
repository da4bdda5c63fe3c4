"""Errors a Nightscout site can cause, each naming the source and what to do about it."""

from __future__ import annotations

__all__ = ["AuthError", "FetchError", "NightscoutError"]


class NightscoutError(Exception):
    """Base class: something went wrong talking to one Nightscout source."""

    def __init__(self, source_id: str, message: str) -> None:
        super().__init__(f"source {source_id}: {message}")
        self.source_id = source_id


class AuthError(NightscoutError):
    """The site refused our credentials (401/403). Never retried: Nightscout slows every failure."""


class FetchError(NightscoutError):
    """The site kept failing (or answered nonsense) after every retry."""
