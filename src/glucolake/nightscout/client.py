"""The Nightscout REST API (v1) as glucolake uses it: authenticated, retried, never trusted blindly.

Only transport lives here. Which pages to ask for (windows, cursors, watermarks) is the ingest
step's business, so it can be tested against any :class:`NightscoutClient`.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin

import requests

from glucolake import __version__
from glucolake.logs import fields, get_logger
from glucolake.nightscout.errors import AuthError, FetchError
from glucolake.nightscout.retry import RetryPolicy, retry_after_seconds

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from glucolake.settings import Source

__all__ = ["ClientStats", "HttpNightscoutClient", "NightscoutClient", "Params"]

log = get_logger(__name__)

Params = dict[str, str | int]

# Statuses that a later attempt can fix. Everything else 4xx is our mistake or the site's policy.
_TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_AUTH_STATUS = frozenset({401, 403})


@dataclass
class ClientStats:
    """What one client did, for summaries and benchmarks."""

    requests: int = 0
    retries: int = 0
    bytes_received: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, requests: int = 0, retries: int = 0, nbytes: int = 0) -> None:
        """Add to the counters (thread-safe)."""
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.bytes_received += nbytes


class NightscoutClient(Protocol):
    """What the ingest step needs from a Nightscout site."""

    source: Source
    stats: ClientStats

    def get_json(self, endpoint: str, params: Params | None = None) -> Any:  # noqa: ANN401 - JSON
        """GET ``/api/v1/<endpoint>`` and return the decoded JSON body."""
        ...


class _TransientError(Exception):
    """An attempt failed in a way a later attempt may not."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class HttpNightscoutClient:
    """A Nightscout site over HTTP(S), with retries for everything transient."""

    def __init__(
        self,
        source: Source,
        *,
        retry: RetryPolicy | None = None,
        timeout: tuple[float, float] = (10.0, 60.0),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Prepare a session for ``source``; no request is made yet."""
        self.source = source
        self.stats = ClientStats()
        self._retry = retry or RetryPolicy()
        self._timeout = timeout
        self._sleep = sleep
        self._base = urljoin(source.url, "api/v1/")
        self._session = requests.Session()
        self._session.headers.update(
            {"Accept": "application/json", "User-Agent": f"glucolake/{__version__}"}
        )
        if source.api_secret is not None:
            # Nightscout compares the SHA-1 hex of API_SECRET; the secret itself never travels.
            digest = hashlib.sha1(source.api_secret.reveal().encode(), usedforsecurity=False)
            self._session.headers["api-secret"] = digest.hexdigest()

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()

    def get_json(self, endpoint: str, params: Params | None = None) -> Any:  # noqa: ANN401 - JSON
        """GET ``/api/v1/<endpoint>``; retry transient failures; return decoded JSON.

        Raises:
            AuthError: 401/403, immediately (a retry would only earn a longer server-side delay).
            FetchError: a non-transient error, or a transient one that outlived every attempt.
        """
        query: dict[str, str | int] = dict(params or {})
        if self.source.token is not None:
            query["token"] = self.source.token.reveal()
        url = urljoin(self._base, endpoint)
        for attempt in range(1, self._retry.attempts + 1):
            try:
                return self._attempt(url, endpoint, query)
            except _TransientError as exc:
                if attempt == self._retry.attempts:
                    raise FetchError(
                        self.source.id,
                        f"GET {endpoint} still failing after {attempt} attempts: {exc.reason}",
                    ) from None
                wait = self._retry.delay(attempt, retry_after=exc.retry_after)
                self.stats.add(retries=1)
                log.warning(
                    "retry",
                    extra=fields(
                        source=self.source.id,
                        endpoint=endpoint,
                        attempt=attempt,
                        reason=exc.reason,
                        wait_s=round(wait, 2),
                    ),
                )
                self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, url: str, endpoint: str, query: Mapping[str, str | int]) -> Any:  # noqa: ANN401
        self.stats.add(requests=1)
        try:
            response = self._session.get(url, params=query, timeout=self._timeout)
            body = response.content  # reading the body is where truncation surfaces
        except requests.Timeout:
            raise _TransientError("timeout") from None
        except requests.ConnectionError as exc:
            raise _TransientError(f"connection error ({_short(exc)})") from None
        except requests.RequestException as exc:  # ChunkedEncodingError, ContentDecodingError
            raise _TransientError(f"broken response ({_short(exc)})") from None
        self.stats.add(nbytes=len(body))
        status = response.status_code
        if status in _AUTH_STATUS:
            raise AuthError(self.source.id, _auth_message(self.source, status))
        if status in _TRANSIENT_STATUS:
            raise _TransientError(
                f"HTTP {status}", retry_after_seconds(response.headers.get("Retry-After"))
            )
        if status != 200:  # noqa: PLR2004 - the one status with a body we can use
            raise FetchError(self.source.id, f"GET {endpoint} answered HTTP {status}")
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            # Proxies and dying servers cut bodies short with a 200; the next attempt is whole.
            raise _TransientError(f"invalid JSON ({len(body)} bytes)") from None


def _auth_message(source: Source, status: int) -> str:
    env = source.credential_env
    if env is None:
        return (
            f"HTTP {status}: the site requires authentication; set api_secret_env or token_env "
            "for this source"
        )
    kind = "token" if source.token is not None else "API secret"
    return f"HTTP {status}: the site rejected the {kind} from ${env}"


def _short(exc: Exception) -> str:
    # Exception texts of requests embed the URL, and the URL may embed a token: keep the class only.
    return type(exc).__name__
