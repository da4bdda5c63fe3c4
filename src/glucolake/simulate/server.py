"""The HTTP side: threaded servers on loopback, transport faults, request logs, lifecycle.

One port serves every source under ``/<source_id>/api/v1/...``, or (``port_per_source``) each
source gets its own port serving ``/api/v1/...``. Request logs are off unless ``verbose``; then
each request is one JSON line on stderr without credentials (query parameters ``secret`` and
``token`` are dropped, headers are never logged).
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import SplitResult, urlencode, urlsplit

from glucolake.simulate.app import API_PREFIX, SIMULATOR_PREFIX, Reply, Router, json_reply
from glucolake.simulate.auth import public_params
from glucolake.simulate.build import build_sites
from glucolake.simulate.config import Clock, SimulatorConfig
from glucolake.simulate.faults import FaultPlan
from glucolake.simulate.timezones import iso_strings

if TYPE_CHECKING:
    from types import TracebackType

    from glucolake.simulate.site import Site

__all__ = ["SimulatorServer"]

_NOT_FOUND = json_reply(404, {"status": 404, "message": "Not Found"})
_NOT_ALLOWED = json_reply(405, {"status": 405, "message": "Method Not Allowed"})
_SLOW_MARGIN_SECONDS = 0.25
_CONNECTION_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


class _Server(ThreadingHTTPServer):
    """A listening socket serving one site (own port) or all of them (path prefixes)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: SimulatorServer, site: Site | None) -> None:
        self.owner = owner
        self.site = site
        super().__init__(address, _Handler)

    def resolve(self, path: str) -> tuple[Site | None, str]:
        """The site a path addresses and the path below the site's prefix."""
        if self.site is not None:
            return self.site, path
        sites = self.owner.sites
        head, _, rest = path.lstrip("/").partition("/")
        if head in sites:
            return sites[head], "/" + rest
        if len(sites) == 1 and path.startswith((API_PREFIX, SIMULATOR_PREFIX)):
            return next(iter(sites.values())), path
        return None, path

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        """Stay quiet when a client goes away mid-answer (slow faults make that common)."""
        if not isinstance(sys.exc_info()[1], _CONNECTION_ERRORS):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: with Nagle's algorithm the body then waits for the
    # client's delayed ACK of the headers: 42 ms a request instead of 2.4 on a kept-alive
    # connection here. Node, which serves real Nightscout sites, sets TCP_NODELAY by default.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        """Answer a GET."""
        started = time.perf_counter()
        split = urlsplit(self.path)
        site, path = self.server.resolve(split.path)
        owner = self.server.owner
        headers = {k.lower(): v for k, v in self.headers.items()}
        if site is None:
            reply = owner.global_reply(split.path)
        elif path.startswith(SIMULATOR_PREFIX):
            reply = owner.router.simulator(site, path)
        elif path.startswith(API_PREFIX):
            reply = owner.router.handle(site, path, split.query, headers)
        else:
            reply = _NOT_FOUND
        sent = self._send(reply)
        if owner.config.verbose:
            _log(site, split, reply, sent=sent, seconds=time.perf_counter() - started)

    def do_POST(self) -> None:
        """The simulator is read-only."""
        self._send(_NOT_ALLOWED)

    def do_PUT(self) -> None:
        """The simulator is read-only."""
        self._send(_NOT_ALLOWED)

    def do_DELETE(self) -> None:
        """The simulator is read-only."""
        self._send(_NOT_ALLOWED)

    def _send(self, reply: Reply) -> int:
        """Write ``reply``, acting out its transport fault; returns the body bytes written."""
        if reply.fault == "connection_reset":
            # SO_LINGER 0 makes close() send RST instead of FIN: a real reset, no response.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return 0
        if reply.fault == "slow":
            # Longer than slow_seconds, so a client whose timeout is slow_seconds times out.
            time.sleep(self.server.owner.config.slow_seconds + _SLOW_MARGIN_SECONDS)
        body = reply.body
        if reply.fault == "invalid_json":
            body = body[: len(body) // 2] + b"\x00<!-- upstream hiccup -->"
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if reply.fault == "truncated_body":
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return len(body) // 2
        self.wfile.write(body)
        return len(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        """No default access log: it would print query strings, which may hold credentials."""


def _log(site: Site | None, split: SplitResult, reply: Reply, *, sent: int, seconds: float) -> None:
    path, safe_query = split.path, urlencode(public_params(split.query))
    line = {
        "time": iso_strings([time.time_ns() // 1_000_000])[0],
        "source": None if site is None else site.source_id,
        "path": path,
        "query": safe_query,
        "status": reply.status,
        "fault": reply.fault,
        "bytes": sent,
        "ms": round(seconds * 1000, 1),
    }
    sys.stderr.write(json.dumps(line) + "\n")


class SimulatorServer:
    """Nightscout-compatible sites on loopback; use as a context manager or start()/stop()."""

    def __init__(self, config: SimulatorConfig) -> None:
        """Prepare (nothing is generated or bound before :meth:`start`)."""
        self.config = config
        self.clock = Clock(config.frozen_now)
        self.router = Router(
            self.clock,
            FaultPlan(
                config.seed,
                config.effective_fault_rate,
                config.fault_kinds,
                config.max_consecutive_faults,
            ),
        )
        self.sites: dict[str, Site] = {}
        self._servers: list[_Server] = []
        self._ports: dict[
            str | None, int
        ] = {}  # source id (None: all) -> bound port; kept after stop
        self._threads: list[threading.Thread] = []

    def start(self) -> Self:
        """Generate the data, bind the port(s) and serve in daemon threads."""
        self.sites = build_sites(self.config, self.clock)
        host, port = self.config.host, self.config.port
        try:
            if self.config.port_per_source:
                for offset, site in enumerate(self.sites.values()):
                    self._servers.append(_Server((host, port + offset if port else 0), self, site))
            else:
                self._servers.append(_Server((host, port), self, None))
        except OSError:
            self.stop()
            raise
        self._ports = {
            s.site.source_id if s.site else None: int(s.server_port) for s in self._servers
        }
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever, name=f"simulator-{server.server_port}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop serving and close the sockets."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> Self:
        """Start."""
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop."""
        self.stop()

    @property
    def port(self) -> int:
        """The port serving all sources (the first source's with ``port_per_source``).

        It stays readable after :meth:`stop`, so a restarted simulator can take the same port.
        """
        if not self._ports:
            raise RuntimeError("the simulator has not been started")
        return next(iter(self._ports.values()))

    @property
    def source_ids(self) -> tuple[str, ...]:
        """Source ids in cohort order."""
        return tuple(self.sites)

    def _site(self, source_id: str) -> Site:
        try:
            return self.sites[source_id]
        except KeyError:
            raise KeyError(f"no source {source_id!r}; known: {', '.join(self.sites)}") from None

    def url_for(self, source_id: str) -> str:
        """Base URL of a source (append ``/api/v1/...``)."""
        self._site(source_id)
        shared = self.port  # raises when never started
        if self.config.port_per_source:
            return f"http://{self.config.host}:{self._ports[source_id]}"
        return f"http://{self.config.host}:{shared}/{source_id}"

    def truth(self, source_id: str) -> dict[str, Any]:
        """The truth manifest of a source as of now (same as ``__simulator__/truth.json``)."""
        return self._site(source_id).truth()

    def stats(self, source_id: str) -> dict[str, Any]:
        """Request counters of a source (same as ``__simulator__/stats.json``)."""
        return self._site(source_id).stats.snapshot()

    def access_token(self, source_id: str) -> str | None:
        """A readable access token for ``?token=`` (``None`` without an API secret)."""
        return self._site(source_id).credentials.token

    def timezone_of(self, source_id: str) -> str | None:
        """The time zone a source's profile names (``None`` if it names none)."""
        return self._site(source_id).profile_timezone

    def global_reply(self, path: str) -> Reply:
        """Answers outside any source prefix: cohort-wide stats and the source list."""
        if path == f"{SIMULATOR_PREFIX}stats.json":
            return json_reply(200, {sid: site.stats.snapshot() for sid, site in self.sites.items()})
        if path == f"{SIMULATOR_PREFIX}sources.json":
            return json_reply(200, [{"id": sid, "url": self.url_for(sid)} for sid in self.sites])
        return _NOT_FOUND
