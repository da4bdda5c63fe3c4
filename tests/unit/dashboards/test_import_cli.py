"""`glucolake dashboards import` fails in one line naming Superset and the step, never a secret."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from glucolake.cli import main

SUPERSET_PASSWORD = "superset-admin-pw-1"
DB_PASSWORD = "warehouse-reader-pw-2"


class _RefusingSuperset(BaseHTTPRequestHandler):
    """Answers the login as Superset does for a wrong password."""

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        body = json.dumps({"message": "Not authorized"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def _superset_env(monkeypatch):
    monkeypatch.setenv("SUPERSET_USERNAME", "admin")
    monkeypatch.setenv("SUPERSET_PASSWORD", SUPERSET_PASSWORD)
    monkeypatch.setenv("GLUCOLAKE_DASHBOARD_DB_PASSWORD", DB_PASSWORD)


def _import(url, *options):
    return CliRunner().invoke(main, ["dashboards", "import", "--superset-url", url, *options])


def test_missing_superset_credentials_exit_2(monkeypatch):
    monkeypatch.delenv("SUPERSET_USERNAME", raising=False)
    monkeypatch.delenv("SUPERSET_PASSWORD", raising=False)
    result = _import("http://127.0.0.1:1")
    assert result.exit_code == 2
    expected = (
        "glucolake: error: dashboards import: SUPERSET_USERNAME and SUPERSET_PASSWORD not set: "
        "the Superset user that imports the dashboards"
    )
    assert result.output.strip().splitlines() == [expected]


@pytest.mark.usefixtures("_superset_env")
def test_unreachable_superset_is_one_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends
    result = _import(f"http://127.0.0.1:{port}")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"glucolake: error: superset http://127.0.0.1:{port}: log in: unreachable (ConnectionError)"
    ]


@pytest.mark.usefixtures("_superset_env")
def test_refused_login_names_superset_and_hides_the_passwords():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RefusingSuperset)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = _import(url)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line == f"glucolake: error: superset {url}: log in: HTTP 401 (Not authorized)"
    assert SUPERSET_PASSWORD not in result.output
    assert DB_PASSWORD not in result.output


@pytest.mark.usefixtures("_superset_env")
def test_import_takes_a_zip_that_build_wrote(tmp_path):
    out = tmp_path / "d.zip"
    built = CliRunner().invoke(
        main,
        ["dashboards", "build", "--warehouse-url", "postgresql://r@h/w", "--out", str(out)],
    )
    assert built.exit_code == 0, built.output
    result = _import("http://127.0.0.1:1", "--bundle", str(out))
    # It got as far as Superset: the ZIP was read and rebuilt for the import.
    assert result.exit_code == 1
    assert "log in: unreachable" in result.output
