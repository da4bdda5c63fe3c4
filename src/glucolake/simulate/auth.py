"""Nightscout v1 authentication: API secret hashes, access tokens and default roles.

The secret is accepted as its SHA-1 hex (any case) or SHA-512 hex (lower case), in the
``api-secret`` header or ``?secret=``; the plain secret is not. Access tokens look like
``<subject>-<16 hex>`` where the hex is the start of ``sha1(sha1hex(secret) + subject_id)``,
sent as ``?token=`` (or, as the real server also allows, in ``api-secret``, plain or SHA-1'd).
Only hashes are kept in memory; nothing here ever logs.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "CREDENTIAL_PARAMS",
    "SUBJECT_NAME",
    "AuthOutcome",
    "Credentials",
    "access_token",
    "public_params",
]

SUBJECT_NAME = "glucolake"  # the readable subject every simulated site has
Presented = Literal["none", "valid", "invalid"]


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - the scheme Nightscout uses


# Query parameters that carry credentials: never part of a fault key nor of a log line.
CREDENTIAL_PARAMS = frozenset({"secret", "token"})


def public_params(query: str) -> list[tuple[str, str]]:
    """The query's parameters without the credential-bearing ones, in order."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return [(k, v) for k, v in pairs if k not in CREDENTIAL_PARAMS]


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def access_token(api_secret: str, subject_name: str, subject_id: str) -> str:
    """The access token Nightscout derives for a subject (``lib/authorization/storage.js``)."""
    digest = _sha1(_sha1(api_secret) + subject_id)
    return f"{subject_name}-{digest[:16]}"


@dataclass(frozen=True)
class AuthOutcome:
    """What a request's credentials amount to."""

    presented: Presented
    """Whether credentials were supplied, and whether they were right."""
    can_read: bool
    is_admin: bool


class Credentials:
    """The credentials one site accepts, stored as digests only."""

    def __init__(self, api_secret: str | None, subject_id: str, default_role: str) -> None:
        """Accept ``api_secret`` (may be ``None``) and the token of ``subject_id``."""
        self._default_readable = default_role == "readable"
        if api_secret is None:
            self._sha1 = self._sha512 = self._token = self._token_sha1 = None
            return
        self._sha1 = _sha1(api_secret)
        self._sha512 = hashlib.sha512(api_secret.encode()).hexdigest()
        self._token = access_token(api_secret, SUBJECT_NAME, subject_id)
        self._token_sha1 = _sha1(self._token)

    @property
    def token(self) -> str | None:
        """The site's readable access token (for tests and the Python API; never printed)."""
        return self._token

    def _is_secret(self, value: str) -> bool:
        if self._sha1 is None or self._sha512 is None:
            return False
        return _same(value.lower(), self._sha1) or _same(value, self._sha512)

    def _is_token(self, value: str) -> bool:
        if self._token is None or self._token_sha1 is None:
            return False
        return _same(value, self._token) or _same(value.lower(), self._token_sha1)

    def check(self, headers: Mapping[str, str], params: Mapping[str, str]) -> AuthOutcome:
        """Evaluate the ``api-secret`` header and the ``secret``/``token`` query parameters."""
        secret = headers.get("api-secret") or params.get("secret")
        token = params.get("token")
        if not secret and not token:
            return AuthOutcome("none", self._default_readable, is_admin=False)
        if secret and self._is_secret(secret):
            return AuthOutcome("valid", can_read=True, is_admin=True)
        if (token and self._is_token(token)) or (secret and self._is_token(secret)):
            return AuthOutcome("valid", can_read=True, is_admin=False)
        return AuthOutcome("invalid", self._default_readable, is_admin=False)
