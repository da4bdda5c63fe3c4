"""Request handling without the HTTP plumbing: route, authorise, schedule faults, answer.

``handle`` turns (site, path, query, headers) into a :class:`Reply`. Faults that live in the
transport (a slow answer, a reset, a cut body, corrupted JSON) are carried on the reply for the
HTTP layer to act out; status-code faults are answered here.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from glucolake.simulate.documents import profile_documents
from glucolake.simulate.faults import FaultPlan, request_key
from glucolake.simulate.finder import select_rows
from glucolake.simulate.query import Collection, QueryError, build_query, parse_count, parse_qs
from glucolake.simulate.timezones import iso_strings

if TYPE_CHECKING:
    from collections.abc import Mapping

    from glucolake.simulate.auth import AuthOutcome
    from glucolake.simulate.config import Clock
    from glucolake.simulate.site import Site

__all__ = ["API_PREFIX", "SIMULATOR_PREFIX", "Reply", "Router"]

API_PREFIX = "/api/v1/"
SIMULATOR_PREFIX = "/__simulator__/"
_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
_DEFAULT_COUNT = 10  # ENTRIES_DEFAULT_COUNT, and devicestatus/profile lists
_THRESHOLDS = {"bgHigh": 260, "bgTargetTop": 180, "bgTargetBottom": 80, "bgLow": 55}


@dataclass(frozen=True)
class Reply:
    """An answer, plus the transport fault (if any) the HTTP layer must act out."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    fault: str | None = None


def json_reply(
    status: int,
    payload: object,
    *,
    headers: tuple[tuple[str, str], ...] = (),
    fault: str | None = None,
) -> Reply:
    """A JSON answer, compact like Express's ``res.json``."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Reply(status, body, headers, fault)


def _status_reply(
    status: int,
    message: str,
    description: object = None,
    *,
    headers: tuple[tuple[str, str], ...] = (),
    fault: str | None = None,
) -> Reply:
    payload: dict[str, object] = {"status": status, "message": message}
    if description is not None:
        payload["description"] = description
    return json_reply(status, payload, headers=headers, fault=fault)


_UNAUTHORIZED = ("Unauthorized", "Invalid/Missing")
_MONGO_DOWN = {"name": "MongoNetworkTimeoutError", "message": "connection timed out"}
_COUNTABLE: dict[str, Collection] = {
    "entries": "entries",
    "treatments": "treatments",
    "devicestatus": "devicestatus",
}
Handler = Callable[["Site", dict[str, Any]], Reply]


class Router:
    """Answers requests for a set of sites."""

    def __init__(self, clock: Clock, faults: FaultPlan) -> None:
        """Use ``clock`` for "now" and ``faults`` to schedule failures."""
        self._clock = clock
        self._faults = faults
        self._fixed: dict[str, Handler] = {
            "treatments": self._treatments,
            "devicestatus": functools.partial(
                self._list, collection="devicestatus", default_count=_DEFAULT_COUNT
            ),
            "profile": self._profile,
            "status": self._status,
        }

    def simulator(self, site: Site, path: str) -> Reply:
        """The harness endpoints: ``truth.json`` and ``stats.json``."""
        name = path.removeprefix(SIMULATOR_PREFIX)
        if name == "truth.json":
            return json_reply(200, site.truth())
        if name == "stats.json":
            return json_reply(200, site.stats.snapshot())
        return _status_reply(404, "Not Found")

    def handle(self, site: Site, path: str, query: str, headers: Mapping[str, str]) -> Reply:
        """Answer one ``/api/v1/...`` request to ``site`` (``path`` without the site prefix)."""
        outcome = site.credentials.check(headers, dict(parse_qsl(query, keep_blank_values=True)))
        route = path.removeprefix(API_PREFIX).strip("/")
        name, ext = route, ""
        if "." in route.rsplit("/", 1)[-1]:
            name, _, ext = route.rpartition(".")
        reply = self._authorised(site, name, ext, query, outcome)
        site.stats.record(reply.status, reply.fault, auth_failed=outcome.presented == "invalid")
        return reply

    def _authorised(
        self, site: Site, name: str, ext: str, query: str, outcome: AuthOutcome
    ) -> Reply:
        if ext not in {"", "json"}:
            return _status_reply(406, "Not Acceptable", f"only JSON is simulated, not .{ext}")
        if name == "verifyauth":
            return _verifyauth(outcome)
        handler = self._route(name)
        if handler is None:
            return _status_reply(404, "Not Found")
        if not outcome.can_read:
            return _status_reply(401, *_UNAUTHORIZED)
        return self._with_faults(site, name, query, handler)

    def _with_faults(self, site: Site, name: str, query: str, handler: Handler) -> Reply:
        if site.fail_always and name != "status":
            return _status_reply(500, "Mongo Error", _MONGO_DOWN, fault="fail_always")
        fault = self._faults.decide(request_key(site.source_id, name, query))
        if fault == "http_500":
            return _status_reply(500, "Mongo Error", _MONGO_DOWN, fault=fault)
        if fault == "http_429":
            return _status_reply(
                429, "Too Many Requests", headers=(("Retry-After", "1"),), fault=fault
            )
        try:
            reply = handler(site, parse_qs(query))
        except QueryError as exc:
            reply = _status_reply(500, str(exc))
        return dataclasses.replace(reply, fault=fault)

    def _route(self, name: str) -> Handler | None:
        head, _, rest = name.partition("/")
        if head == "entries" and "/" not in rest:
            return functools.partial(self._entries, spec=rest or None)
        if head == "count":
            storage, _, tail = rest.partition("/")
            if tail == "where" and storage in _COUNTABLE:
                return functools.partial(self._count, storage=_COUNTABLE[storage])
            return None
        return self._fixed.get(name)

    def _treatments(self, site: Site, params: dict[str, Any]) -> Reply:
        # 100 documents by default, 1000 as soon as any `find` is given (lib/api/treatments).
        default = 1000 if "find" in params else 100
        return self._list(site, params, collection="treatments", default_count=default)

    def _list(
        self, site: Site, params: dict[str, Any], *, collection: Collection, default_count: int
    ) -> Reply:
        now = self._clock.now_ms()
        view = site.view(collection)
        rows = select_rows(
            view, build_query(collection, params, now, default_count=default_count), now
        )
        return json_reply(200, view.render(rows))

    def _entries(self, site: Site, params: dict[str, Any], *, spec: str | None) -> Reply:
        """``/entries``, ``/entries/current``, ``/entries/<id>`` and ``/entries/<type>``."""
        if spec == "current":
            params = {"count": "1"}
        elif spec is not None and _OBJECT_ID.fullmatch(spec):
            params = {"find": {"_id": spec.lower()}}
        elif spec is not None:
            find = params.get("find", {})
            params = {**params, "find": {**(find if isinstance(find, dict) else {}), "type": spec}}
        return self._list(site, params, collection="entries", default_count=_DEFAULT_COUNT)

    def _count(self, site: Site, params: dict[str, Any], *, storage: Collection) -> Reply:
        now = self._clock.now_ms()
        query = build_query(storage, {"find": params.get("find", {})}, now, default_count=None)
        total = len(select_rows(site.view(storage), query, now))
        return json_reply(200, [{"_id": None, "count": total}] if total else [])

    def _profile(self, site: Site, params: dict[str, Any]) -> Reply:
        now = self._clock.now_ms()
        data = site.data()
        docs = profile_documents(data) if data.profile_start_ms <= now else []
        limit = parse_count(params.get("count"), _DEFAULT_COUNT)
        return json_reply(200, docs if limit is None else docs[:limit])

    def _status(self, site: Site, _params: dict[str, Any]) -> Reply:
        now = self._clock.now_ms()
        return json_reply(
            200,
            {
                "status": "ok",
                "name": "nightscout",
                "version": "15.0.7",
                "serverTime": iso_strings([now])[0],
                "serverTimeEpoch": now,
                "apiEnabled": True,
                "careportalEnabled": True,
                "boluscalcEnabled": True,
                "settings": {
                    "units": "mg/dl",
                    "timeFormat": 24,
                    "customTitle": f"Nightscout {site.source_id}",
                    "theme": "colors",
                    "authDefaultRoles": site.role,
                    "thresholds": _THRESHOLDS,
                    "DEFAULT_FEATURES": [
                        "bgnow",
                        "delta",
                        "direction",
                        "timeago",
                        "devicestatus",
                        "upbat",
                        "errorcodes",
                        "profile",
                        "bolus",
                        "dbsize",
                        "runtimestate",
                        "basal",
                        "careportal",
                    ],
                    "enable": [
                        "careportal",
                        "basal",
                        "iob",
                        "cob",
                        "loop",
                        "rawbg",
                        "sage",
                        "cage",
                    ],
                },
                "extendedSettings": {"devicestatus": {"advanced": True}},
                "authorized": None,
                "runtimeState": "loaded",
            },
        )


def _verifyauth(outcome: AuthOutcome) -> Reply:
    valid = outcome.presented == "valid"
    return json_reply(
        200,
        {
            "status": 200,
            "message": {
                "canRead": outcome.can_read,
                "canWrite": outcome.is_admin,
                "isAdmin": outcome.is_admin,
                "message": "OK" if valid else "UNAUTHORIZED",
                "rolefound": "FOUND" if valid else "NOTFOUND",
                "permissions": "ROLE" if valid else "DEFAULT",
            },
        },
    )
