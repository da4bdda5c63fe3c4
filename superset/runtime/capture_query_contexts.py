r"""Write each chart's ``query_context`` as Superset's own frontend builds it.

Superset stores, with every chart saved from its UI, the query context that the chart's
JavaScript built from its form data; the chart data API (``/api/v1/chart/<id>/data/``) and the
benchmark's SQL come from it. A chart written by hand as YAML has none, so this script asks the
real frontend: it opens the imported dashboard in headless Chromium (Chrome DevTools protocol,
``websocket-client`` from Superset's own environment), records the body of every
``/api/v1/chart/data`` request the dashboard sends, and writes each one into the chart's YAML.

Run it with .venv-superset's Python after ``glucolake dashboards import`` into a Superset on
which SUPERSET_USERNAME/SUPERSET_PASSWORD can log in::

    .venv-superset/bin/python superset/runtime/capture_query_contexts.py \\
        --superset-url http://127.0.0.1:8088 --dashboard glucose
"""
# ruff: noqa: INP001 - a script run by .venv-superset's Python, not part of a package

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests
import websocket
import yaml

BUNDLE = Path(__file__).resolve().parents[1]
# The chart YAML's query_context: one line, or a literal block of indented lines.
_QUERY_CONTEXT = re.compile(r"^query_context: (?:\|-\n(?:  .*\n)*|.*\n)", re.MULTILINE)
# What the dashboard adds to a chart's form data, and this instance's ids: a saved chart in the
# bundle carries neither (Superset rewrites the datasource ids on import).
_DASHBOARD_ONLY = (
    "chart_id",
    "dashboardId",
    "extra_filters",
    "force",
    "label_colors",
    "map_label_colors",
    "shared_label_colors",
    "slice_id",
    "url_params",
)


def login_cookie(url: str, username: str, password: str) -> str:
    """Log in through Superset's login form; return the ``session`` cookie."""
    session = requests.Session()
    page = session.get(f"{url}/login/", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no csrf_token on Superset's login page")
    session.post(
        f"{url}/login/",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        timeout=30,
    )
    return session.cookies["session"]


def capture(url: str, dashboard: str, cookie: str, expected: int) -> dict[int, dict[str, object]]:
    """Open the dashboard in Chromium; return the query contexts it posts, by slice id."""
    port = 9333
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        chromium = subprocess.Popen(  # noqa: S603 - Debian's chromium, our arguments
            [
                shutil.which("chromium") or "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={port}",
                "--remote-allow-origins=*",
                "--window-size=1400,2400",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    pages = requests.get(f"http://127.0.0.1:{port}/json", timeout=2).json()
                    break
                except requests.RequestException:
                    time.sleep(0.1)
            target = next(p for p in pages if p["type"] == "page")
            ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60)
            counter = iter(range(1, 1_000_000))

            def send(method: str, **params: object) -> None:
                ws.send(json.dumps({"id": next(counter), "method": method, "params": params}))

            send("Network.enable")
            host = url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
            send("Network.setCookie", name="session", value=cookie, domain=host, path="/")
            send("Page.navigate", url=f"{url}/superset/dashboard/{dashboard}/?standalone=1")
            found: dict[int, dict[str, object]] = {}
            deadline = time.monotonic() + 90
            while len(found) < expected and time.monotonic() < deadline:
                message = json.loads(ws.recv())
                if message.get("method") != "Network.requestWillBeSent":
                    continue
                request = message["params"]["request"]
                if "/api/v1/chart/data" in request["url"] and request.get("postData"):
                    body = json.loads(request["postData"])
                    found[int(body["form_data"]["slice_id"])] = body
            ws.close()
            return found
        finally:
            chromium.terminate()
            chromium.wait(timeout=30)


def saved_form(body: dict[str, object]) -> dict[str, object]:
    """The query context as a saved chart holds it: no dashboard state, no ids."""
    context = json.loads(json.dumps(body))
    form_data = context["form_data"]
    for key in _DASHBOARD_ONLY:
        form_data.pop(key, None)
    context.pop("force", None)
    return context


def main() -> None:
    """Capture every chart's query context and write it into superset/charts/*.yaml."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--superset-url", required=True)
    parser.add_argument("--dashboard", default="glucose")
    args = parser.parse_args()
    url = args.superset_url.rstrip("/")
    cookie = login_cookie(url, os.environ["SUPERSET_USERNAME"], os.environ["SUPERSET_PASSWORD"])
    charts = {
        path: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((BUNDLE / "charts").glob("*.yaml"))
    }
    api = requests.Session()
    api.cookies.set("session", cookie)
    listing = api.get(f"{url}/api/v1/dashboard/{args.dashboard}/charts", timeout=30).json()
    ids = {c["slice_name"]: c["id"] for c in listing["result"]}
    bodies = capture(url, args.dashboard, cookie, expected=len(charts))
    for path, chart in charts.items():
        body = bodies.get(ids[chart["slice_name"]])
        if body is None:
            raise SystemExit(f"{path.name}: the dashboard sent no data request for it")
        context = json.dumps(saved_form(body), sort_keys=True, ensure_ascii=False, indent=2)
        block = "query_context: |-\n" + "".join(f"  {line}\n" for line in context.splitlines())
        text = path.read_text(encoding="utf-8")
        text = _QUERY_CONTEXT.sub(lambda _, block=block: block, text, count=1)
        path.write_text(text, encoding="utf-8")
        print(f"{path.name}: query_context from the frontend")  # noqa: T201 - a script


if __name__ == "__main__":
    main()
