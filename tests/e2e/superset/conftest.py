"""Superset against a real Postgres warehouse, started once for every test of this folder.

A real Superset 6.1 runs from its own pinned environment (.venv-superset, `make superset-venv`)
with SQLite metadata in a temporary folder; its bootstrap overlaps with the pipeline run that
fills the warehouse. `glucolake dashboards import` (the real CLI) imports superset/ with a login
role that is a member of glucolake_dashboards, exactly as the chart deploys it.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests
from tests.helpers import home_environment, run_pipeline
from tests.postgres_server import free_port

from glucolake.dashboards import load_bundle

ROOT = Path(__file__).parents[3]
SUPERSET_BIN = ROOT / ".venv-superset" / "bin"
BUNDLE = ROOT / "superset"
ADMIN = "admin"
READER = "glucolake_superset"  # the login role the bundle names by default


@pytest.fixture(scope="package")
def superset_home(tmp_path_factory):
    """Superset's config and SQLite metadata, bootstrapped in the background."""
    if not (SUPERSET_BIN / "superset").exists():
        pytest.fail("no Superset environment: run `make superset-venv`")
    home = tmp_path_factory.mktemp("superset")
    config = home / "superset_config.py"
    config.write_text(
        f"SECRET_KEY = {secrets.token_urlsafe(42)!r}\n"
        f"SQLALCHEMY_DATABASE_URI = 'sqlite:///{home / 'superset.db'}'\n"
        "TALISMAN_ENABLED = False\n"
        "DATA_CACHE_CONFIG = {'CACHE_TYPE': 'NullCache'}\n"
        "FILTER_STATE_CACHE_CONFIG = {'CACHE_TYPE': 'SimpleCache'}\n"
        "EXPLORE_FORM_DATA_CACHE_CONFIG = {'CACHE_TYPE': 'SimpleCache'}\n"
    )
    password = secrets.token_urlsafe(16)
    env = {
        "PATH": f"{SUPERSET_BIN}:{os.environ['PATH']}",
        "HOME": str(home),
        "SUPERSET_CONFIG_PATH": str(config),
        "SUPERSET_HOME": str(home),
    }
    script = (
        "superset db upgrade && "
        f"superset fab create-admin --username {ADMIN} --firstname Test --lastname Admin "
        f"--email admin@example.org --password {password} && "
        "superset init"
    )
    log = (home / "bootstrap.log").open("w")
    started = time.monotonic()
    bootstrap = subprocess.Popen(
        ["bash", "-c", script], cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    yield {"home": home, "env": env, "password": password, "bootstrap": bootstrap, "t0": started}
    if bootstrap.poll() is None:
        bootstrap.terminate()
        bootstrap.wait(timeout=30)
    log.close()


@pytest.fixture(scope="package")
def warehouse(superset_home, postgres_url, tmp_path_factory):
    """A Postgres warehouse filled by `glucolake run`, and Superset's login role on it."""
    del superset_home  # requested first, so that Superset bootstraps while the pipeline runs
    name = f"superset_{os.getpid()}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.execute(f'create database "{name}"')
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    home = tmp_path_factory.mktemp("pipeline")
    env = home_environment(home, GLUCOLAKE_WAREHOUSE=url)
    run_pipeline(home, env, sources=2, days=15, seed=23)
    reader_password = secrets.token_urlsafe(16)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"drop role if exists {READER}")
        admin.execute(
            f"create role {READER} login password '{reader_password}' in role glucolake_dashboards"
        )
    host_port = url.split("@", 1)[1].rsplit("/", 1)[0]
    yield {
        "url": url,
        "reader_url": f"postgresql://{READER}@{host_port}/{name}",
        "reader_password": reader_password,
    }
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.execute(f"drop role if exists {READER}")


@pytest.fixture(scope="package")
def superset(superset_home, warehouse):
    """Superset served by gunicorn on a free port, with superset/ imported by the CLI."""
    home, env = superset_home["home"], superset_home["env"]
    bootstrap = superset_home["bootstrap"]
    assert bootstrap.wait(timeout=600) == 0, (home / "bootstrap.log").read_text()[-3000:]
    bootstrapped = time.monotonic() - superset_home["t0"]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (home / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            str(SUPERSET_BIN / "gunicorn"),
            "--workers=2",
            "--threads=4",
            "--worker-class=gthread",
            "--timeout=120",
            f"--bind=127.0.0.1:{port}",
            "superset.app:create_app()",
        ],
        cwd=home,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        started = time.monotonic()
        while time.monotonic() - started < 180:
            try:
                if requests.get(f"{url}/health", timeout=2).text == "OK":
                    break
            except requests.RequestException:
                pass
            assert server.poll() is None, (home / "gunicorn.log").read_text()[-3000:]
            time.sleep(0.5)
        else:
            pytest.fail("Superset did not answer /health within 180 s")
        served = time.monotonic() - started
        imports = [_import(url, superset_home["password"], warehouse, home) for _ in range(2)]
        sys.stderr.write(
            f"superset: bootstrap {bootstrapped:.0f} s (overlapping the pipeline), "
            f"gunicorn up in {served:.1f} s, imports {imports[0]:.1f} s and {imports[1]:.1f} s\n"
        )
        yield {"url": url, "api": _api(url, superset_home["password"])}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


def _import(url: str, admin_password: str, warehouse: dict[str, str], home: Path) -> float:
    """Run `glucolake dashboards import`; return how long it took. It prints no secret."""
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "glucolake",
            "dashboards",
            "import",
            "--superset-url",
            url,
            "--warehouse-url",
            warehouse["reader_url"],
        ],
        env={
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "SUPERSET_USERNAME": ADMIN,
            "SUPERSET_PASSWORD": admin_password,
            "GLUCOLAKE_DASHBOARD_DB_PASSWORD": warehouse["reader_password"],
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for secret in (admin_password, warehouse["reader_password"]):
        assert secret not in result.stdout + result.stderr
    return time.monotonic() - started


def _api(url: str, password: str) -> requests.Session:
    session = requests.Session()
    login = session.post(
        f"{url}/api/v1/security/login",
        json={"username": ADMIN, "password": password, "provider": "db"},
        timeout=30,
    )
    login.raise_for_status()
    session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    csrf = session.get(f"{url}/api/v1/security/csrf_token/", timeout=30).json()["result"]
    session.headers.update({"X-CSRFToken": csrf, "Referer": url})
    return session


@pytest.fixture(scope="package")
def charts(superset):
    """Chart id of each chart slug (superset/charts/<slug>.yaml), from the imported dashboard."""
    listing = superset["api"].get(f"{superset['url']}/api/v1/dashboard/glucose/charts", timeout=30)
    listing.raise_for_status()
    ids = {c["slice_name"]: c["id"] for c in listing.json()["result"]}
    slugs = load_bundle(BUNDLE).chart_slugs()
    assert set(ids) == {chart["slice_name"] for chart in slugs.values()}
    return {slug: ids[chart["slice_name"]] for slug, chart in slugs.items()}


@pytest.fixture(scope="package")
def marts(warehouse):
    """The marts, read directly as the pipeline's owner: one list of dicts per mart."""
    names = (
        "mart_glucose_overview",
        "mart_glucose_hourly_patterns",
        "mart_glucose_agp",
        "mart_glucose_summary",
        "mart_glucose_daily_profiles",
    )
    tables = {}
    with psycopg.connect(warehouse["url"]) as connection:
        for name in names:
            cursor = connection.execute(f"select * from marts.{name}")  # noqa: S608 - constants
            columns = [d.name for d in cursor.description]
            tables[name] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    assert all(tables.values()), "every mart has rows"
    return tables
