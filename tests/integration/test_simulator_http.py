"""The simulator over real HTTP: routes, prefixes and ports, auth, faults, the CLI lifecycle."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from glucolake.simulate import SimulatorConfig, SimulatorServer

pytestmark = pytest.mark.slow

NOW = "2025-03-25T08:00:00+00:00"
SECRET = "integration-secret-value"


@contextmanager
def running(**settings):
    settings.setdefault("now", NOW)
    with SimulatorServer(SimulatorConfig(**settings)) as sim:
        yield sim


def raw_get(url: str, timeout: float = 5.0) -> tuple[bytes, bytes]:
    """Send one GET on a fresh socket; return (head, body bytes received until close)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def test_routes_on_one_port_with_source_prefixes():
    with running(sources=2, days=5, quirks=True, fault_rate=0.0) as sim:
        base = sim.url_for("patient-002")
        assert base == f"http://127.0.0.1:{sim.port}/patient-002"
        session = requests.Session()

        def get(path, **params):
            response = session.get(f"{base}/api/v1/{path}", params=params, timeout=10)
            assert response.status_code == 200, (path, response.text)
            return response.json()

        assert len(get("entries")) == len(get("entries.json")) == 10
        assert {d["type"] for d in get("entries/sgv.json", count=500)} == {"sgv"}
        assert len(get("entries/current.json")) == 1
        assert len(get("treatments.json", **{"find[created_at][$gte]": "2025-03-24"})) > 3
        assert len(get("devicestatus.json", count=3)) == 3
        assert get("profile.json")[0]["store"]["Default"]["timezone"] == "America/New_York"
        assert get("status.json")["serverTimeEpoch"] == 1_742_889_600_000
        assert get("verifyauth")["message"]["message"] == "UNAUTHORIZED"
        window = {"find[date][$gte]": "1742800000000", "find[date][$lt]": "1742889600000"}
        listed = get("entries.json", count=0, **window)
        assert get("count/entries/where", **window) == [{"_id": None, "count": len(listed)}]
        assert session.get(f"{base}/__simulator__/truth.json").json() == sim.truth("patient-002")
        assert session.get(f"{base}/__simulator__/stats.json").json()["requests"] == 11
        assert session.get(f"http://127.0.0.1:{sim.port}/nobody/api/v1/entries").status_code == 404
        everyone = session.get(f"http://127.0.0.1:{sim.port}/__simulator__/stats.json").json()
        assert set(everyone) == {"patient-001", "patient-002"}


def test_a_restart_on_the_same_port_serves_the_same_documents():
    query = {"find[date][$gte]": "1742774400000", "find[date][$lt]": "1742860800000", "count": "0"}
    with running(sources=2, days=3, quirks=True, fault_rate=0.0) as first:
        url = f"{first.url_for('patient-002')}/api/v1/entries.json"
        before = requests.get(url, params=query, timeout=10).json()
    with running(
        sources=2, days=9, quirks=True, fault_rate=0.0, port=first.port, now="2025-03-27T00:00:00Z"
    ) as again:
        assert again.url_for("patient-002") == first.url_for("patient-002")
        assert requests.get(url, params=query, timeout=10).json() == before
    assert before


def test_a_page_of_ten_thousand_entries():
    with running(sources=1, days=40) as sim:
        url = f"{sim.url_for('patient-001')}/api/v1/entries.json"
        params = {"find[date][$gte]": "0", "count": "10000"}
        docs = requests.get(url, params=params, timeout=30).json()
        assert len(docs) == 10_000
        assert len({d["_id"] for d in docs}) == 10_000


def test_one_port_per_source():
    with running(sources=3, days=1, port_per_source=True) as sim:
        urls = [sim.url_for(sid) for sid in sim.source_ids]
        ports = {urlsplit(u).port for u in urls}
        assert len(ports) == 3
        assert all(urlsplit(u).path == "" for u in urls)
        for sid, url in zip(sim.source_ids, urls, strict=True):
            truth = requests.get(f"{url}/__simulator__/truth.json", timeout=10).json()
            assert truth["source_id"] == sid
            assert requests.get(f"{url}/api/v1/entries.json", timeout=10).status_code == 200


def test_auth_over_http():
    with running(sources=1, days=1, auth="denied", api_secret=SECRET) as sim:
        url = f"{sim.url_for('patient-001')}/api/v1/entries.json"
        refused = requests.get(url, timeout=10)
        assert refused.status_code == 401
        assert refused.json() == {
            "status": 401,
            "message": "Unauthorized",
            "description": "Invalid/Missing",
        }
        sha1 = hashlib.sha1(SECRET.encode()).hexdigest()  # noqa: S324 - Nightscout's scheme
        assert requests.get(url, headers={"api-secret": sha1}, timeout=10).status_code == 200
        assert requests.get(url, params={"secret": sha1}, timeout=10).status_code == 200
        token = sim.access_token("patient-001")
        assert requests.get(url, params={"token": token}, timeout=10).status_code == 200
        assert requests.get(url, headers={"api-secret": "0" * 40}, timeout=10).status_code == 401
        assert sim.stats("patient-001")["auth_failures"] == 1
        assert sim.stats("patient-001")["unauthorized"] == 2


def faulty(kind, **settings):
    return running(
        sources=1, days=1, fault_rate=1.0, fault_kinds=(kind,), max_consecutive_faults=2, **settings
    )


def test_truncated_body_really_truncates_then_recovers():
    with faulty("truncated_body") as sim:
        url = f"{sim.url_for('patient-001')}/api/v1/entries.json?count=50"
        head, body = raw_get(url)
        length = int(
            next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(
                b":"
            )[1]
        )
        assert b"200 OK" in head.split(b"\r\n")[0]
        assert 0 < len(body) < length
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(url, timeout=10)
        assert len(requests.get(url, timeout=10).json()) == 50, "the third attempt gets through"
        assert sim.stats("patient-001")["faults"] == {"truncated_body": 2}


def test_connection_reset_really_resets():
    with faulty("connection_reset") as sim:
        url = f"{sim.url_for('patient-001')}/api/v1/entries.json"
        with pytest.raises(ConnectionResetError):
            raw_get(url)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(url, timeout=10)
        assert requests.get(url, timeout=10).status_code == 200


def test_429_has_retry_after_and_500_is_a_mongo_error():
    with faulty("http_429") as sim:
        response = requests.get(f"{sim.url_for('patient-001')}/api/v1/entries.json", timeout=10)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "1"
    with faulty("http_500") as sim:
        response = requests.get(f"{sim.url_for('patient-001')}/api/v1/treatments.json", timeout=10)
        assert response.status_code == 500
        assert response.json()["message"] == "Mongo Error"


def test_invalid_json_and_slow_answers():
    with faulty("invalid_json") as sim:
        response = requests.get(f"{sim.url_for('patient-001')}/api/v1/entries.json", timeout=10)
        assert response.status_code == 200
        with pytest.raises(requests.exceptions.JSONDecodeError):
            response.json()
    with faulty("slow", slow_seconds=0.4) as sim:
        url = f"{sim.url_for('patient-001')}/api/v1/entries.json"
        started = time.monotonic()
        assert requests.get(url, timeout=10).status_code == 200
        assert time.monotonic() - started >= 0.4
        with pytest.raises(requests.exceptions.Timeout):
            requests.get(url, timeout=0.1)


def test_fail_always_fails_one_source_only():
    with running(sources=2, days=1, fail_always=frozenset({"patient-002"})) as sim:
        bad, good = sim.url_for("patient-002"), sim.url_for("patient-001")
        for path in ("entries.json", "treatments.json", "devicestatus.json", "profile.json"):
            assert requests.get(f"{bad}/api/v1/{path}", timeout=10).status_code == 500
            assert requests.get(f"{good}/api/v1/{path}", timeout=10).status_code == 200


def start_cli(*args, env=None):
    return subprocess.Popen(
        [sys.executable, "-c", "from glucolake.cli.simulate import simulate; simulate()", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": os.environ["PATH"], **(env or {})},
    )


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_urls_writes_sources_and_stops_cleanly(tmp_path, stop):
    cohort = tmp_path / "sources.yaml"
    process = start_cli(
        "--sources",
        "2",
        "--days",
        "1",
        "--now",
        NOW,
        "--auth",
        "denied",
        "--omit-timezone",
        "patient-002",
        "--write-sources",
        str(cohort),
        "--verbose",
        env={"GLUCOLAKE_SIM_API_SECRET": SECRET},
    )
    lines = [process.stdout.readline().strip() for _ in range(2)]
    urls = dict(line.split("\t") for line in lines)
    assert set(urls) == {"patient-001", "patient-002"}
    deadline = time.monotonic() + 10
    while not cohort.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert yaml.safe_load(cohort.read_text()) == {
        "sources": [
            {
                "id": "patient-001",
                "url": urls["patient-001"],
                "timezone": "Europe/Berlin",
                "api_secret_env": "GLUCOLAKE_SIM_API_SECRET",
            },
            {
                "id": "patient-002",
                "url": urls["patient-002"],
                "api_secret_env": "GLUCOLAKE_SIM_API_SECRET",
            },
        ]
    }
    sha1 = hashlib.sha1(SECRET.encode()).hexdigest()  # noqa: S324 - Nightscout's scheme
    response = requests.get(
        f"{urls['patient-001']}/api/v1/entries.json", params={"secret": sha1}, timeout=10
    )
    assert response.status_code == 200
    process.send_signal(stop)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    log = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert [(e["source"], e["status"]) for e in log] == [("patient-001", 200)]
    assert SECRET not in out + err + cohort.read_text()
    assert sha1 not in err
