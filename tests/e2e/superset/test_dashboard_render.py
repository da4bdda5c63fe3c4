"""The dashboard rendered in headless Chromium, to test-artifacts/superset-dashboard.png."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import requests

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

ROOT = Path(__file__).parents[3]
SUPERSET_BIN = ROOT / ".venv-superset" / "bin"
ARTIFACTS = ROOT / "test-artifacts"


def test_dashboard_renders_in_chromium(superset):
    url, api = superset["url"], superset["api"]
    _let_anonymous_viewers_read_the_dashboard(url, api)
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("Debian's chromium is missing: run `make chromium`")
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "superset-dashboard.png"
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        subprocess.run(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--window-size=1400,2600",
                "--virtual-time-budget=30000",
                f"--screenshot={png}",
                f"{url}/superset/dashboard/glucose/?standalone=1",
            ],
            capture_output=True,
            timeout=180,
            check=False,
        )
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG")
    # Pillow comes with Superset (its thumbnails), not with the pipeline: measure there.
    measured = subprocess.run(
        [
            str(SUPERSET_BIN / "python"),
            "-c",
            (
                "import sys; from PIL import Image; "
                "image = Image.open(sys.argv[1]).convert('RGB'); "
                "print(*image.size, len(image.getcolors(maxcolors=1 << 24)))"
            ),
            str(png),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    width, height, colours = map(int, measured.stdout.split())
    assert (width, height) == (1400, 2600)
    # A blank or error page has a handful of colours; eight rendered charts have thousands.
    assert colours > 1000, colours
    assert len(data) > 150_000


def _let_anonymous_viewers_read_the_dashboard(url: str, api: requests.Session) -> None:
    """Give Superset's Public role what Gamma (a read-only viewer) has, plus the datasets.

    The plain `chromium --screenshot` cannot log in, so the test renders the dashboard as an
    anonymous viewer with exactly a viewer's rights on exactly these datasets.
    """
    roles = api.get(f"{url}/api/v1/security/roles/", params={"q": "(page_size:100)"}, timeout=30)
    ids = {r["name"]: r["id"] for r in roles.json()["result"]}
    gamma = api.get(f"{url}/api/v1/security/roles/{ids['Gamma']}/permissions/", timeout=30)
    granted = [p["id"] for p in gamma.json()["result"]]
    page = 0
    while True:
        answer = api.get(
            f"{url}/api/v1/security/permissions-resources/",
            params={"q": f"(page:{page},page_size:100)"},
            timeout=30,
        ).json()
        if not answer["result"]:
            break
        granted += [
            p["id"]
            for p in answer["result"]
            if p["permission"]["name"] == "datasource_access"
            and p["view_menu"]["name"].startswith("[glucolake_warehouse]")
        ]
        page += 1
    response = api.post(
        f"{url}/api/v1/security/roles/{ids['Public']}/permissions",
        json={"permission_view_menu_ids": granted},
        timeout=30,
    )
    assert response.status_code == 200, response.text[:2000]
    assert len(granted) > len(gamma.json()["result"]) + 5, "the six datasets are granted"
    anonymous = requests.get(f"{url}/api/v1/dashboard/glucose", timeout=30)
    assert anonymous.status_code == 200, anonymous.text[:500]
    assert anonymous.json()["result"]["slug"] == "glucose"
