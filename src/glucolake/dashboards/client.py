"""A small client for the parts of Superset's REST API that glucolake uses: log in, import.

Superset's API wants a JWT from ``/api/v1/security/login`` and, for every write, a CSRF token
from ``/api/v1/security/csrf_token/`` sent back with the session cookie that came with it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import requests

from glucolake.settings import redacted_url

if TYPE_CHECKING:
    from collections.abc import Mapping

    from glucolake.settings import Secret

__all__ = ["SupersetClient", "SupersetError"]

_MAX_REASON = 300


class SupersetError(RuntimeError):
    """Superset refused or could not be reached; the message names its URL and the step."""


class SupersetClient:
    """A logged-in session with one Superset instance."""

    def __init__(
        self, url: str, *, session: requests.Session | None = None, timeout: float = 120
    ) -> None:
        self.url = url.rstrip("/")
        self._shown = redacted_url(self.url)
        self._session = session or requests.Session()
        self._timeout = timeout

    def login(self, username: str, password: Secret) -> None:
        """Log in with Superset's database authentication and fetch a CSRF token.

        Raises:
            SupersetError: Superset is unreachable or refused the credentials.
        """
        response = self._request(
            "log in",
            "POST",
            "/api/v1/security/login",
            json={
                "username": username,
                "password": password.reveal(),
                "provider": "db",
                "refresh": False,
            },
        )
        token = _json(response).get("access_token")
        if not isinstance(token, str):
            raise SupersetError(f"superset {self._shown}: log in: no access token in the answer")
        self._session.headers["Authorization"] = f"Bearer {token}"
        csrf = _json(self._request("get a CSRF token", "GET", "/api/v1/security/csrf_token/"))
        if not isinstance(csrf.get("result"), str):
            raise SupersetError(f"superset {self._shown}: no CSRF token in the answer")
        self._session.headers["X-CSRFToken"] = csrf["result"]
        self._session.headers["Referer"] = self.url

    def import_assets(self, bundle_zip: bytes, *, passwords: Mapping[str, Secret]) -> None:
        """Import an ``assets`` bundle, replacing every object whose uuid it names.

        ``/api/v1/assets/import/`` overwrites the database, datasets, charts and dashboards;
        ``/api/v1/dashboard/import/`` with ``overwrite=true`` would replace only the dashboard
        and keep stale charts, datasets and connection settings from an earlier import.

        Args:
            bundle_zip: a ZIP from ``build_zip(..., bundle_type="assets")``.
            passwords: database passwords by file, e.g. ``{"databases/x.yaml": Secret(...)}``.

        Raises:
            SupersetError: Superset refused the bundle; the message carries its reasons.
        """
        self._request(
            "import the dashboards",
            "POST",
            "/api/v1/assets/import/",
            files={"bundle": ("dashboards.zip", bundle_zip, "application/zip")},
            data={"passwords": json.dumps({k: v.reveal() for k, v in passwords.items()})},
        )

    def _request(
        self,
        step: str,
        method: str,
        path: str,
        **kwargs: Any,  # noqa: ANN401 - passed through to requests
    ) -> requests.Response:
        try:
            response = self._session.request(
                method, f"{self.url}{path}", timeout=self._timeout, **kwargs
            )
        except requests.RequestException as exc:
            reason = type(exc).__name__
            raise SupersetError(f"superset {self._shown}: {step}: unreachable ({reason})") from None
        if response.status_code >= 400:  # noqa: PLR2004 - HTTP's error classes
            raise SupersetError(
                f"superset {self._shown}: {step}: HTTP {response.status_code} ({_reason(response)})"
            )
        return response


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _reason(response: requests.Response) -> str:
    """Superset's own words for a failure, on one line: message plus per-file issues."""
    document = _json(response)
    parts: list[str] = []
    if isinstance(document.get("message"), str):
        parts.append(document["message"])
    elif isinstance(document.get("msg"), str):
        parts.append(document["msg"])
    for error in document.get("errors") or []:
        if not isinstance(error, dict):
            continue
        parts.append(str(error.get("message", "")))
        extra = error.get("extra") or {}
        parts += [
            f"{key}: {json.dumps(value, ensure_ascii=False)}"
            for key, value in extra.items()
            if key != "issue_codes"
        ]
    text = "; ".join(p for p in parts if p) or response.reason or "no reason given"
    text = " ".join(text.split())
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"
