"""The images: hadolint-clean, and their install steps exercised with the same lock and commands.

No Docker engine exists here, so the pipeline image's `uv sync` runs into a temporary
environment, exactly as the Dockerfile runs it, and the result starts `glucolake` with the
image's environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.chart_render import REPOSITORY

IMAGES = REPOSITORY / "images"
DOCKERFILES = sorted(IMAGES.glob("*/Dockerfile"))


def test_there_are_two_images():
    assert [p.parent.name for p in DOCKERFILES] == ["pipeline", "superset"]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_hadolint_clean(dockerfile):
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [hadolint, "--no-color", dockerfile], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_pinned_non_root_and_copies_what_exists(dockerfile):
    text = dockerfile.read_text()
    for image in re.findall(r"^FROM (\S+)", text, re.MULTILINE):
        assert re.search(r":\d[\w.-]*$", image), image
    assert re.findall(r"^USER (\S+)", text, re.MULTILINE)[-1] == "10001:10001"
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.MULTILINE):
        for path in source.split():
            assert (REPOSITORY / path).exists(), path


def test_pipeline_image_uses_the_lock_and_one_entrypoint():
    text = (IMAGES / "pipeline" / "Dockerfile").read_text()
    assert "uv sync --frozen --no-dev --no-install-project" in text
    assert "uv sync --frozen --no-dev --no-editable" in text
    assert 'ENTRYPOINT ["glucolake"]' in text
    for folder in ("dbt", "expectations", "superset"):
        assert f"COPY {folder} /app/{folder}" in text


@pytest.mark.slow
def test_pipeline_install_steps_produce_a_working_glucolake(tmp_path):
    uv = shutil.which("uv") or str(next((REPOSITORY / "bin").glob("uv-*/bin/uv")))
    environment = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv"),
        "UV_LINK_MODE": "copy",
        "UV_PYTHON_DOWNLOADS": "never",
    }
    environment.pop("VIRTUAL_ENV", None)
    for arguments in (["--no-install-project"], ["--no-editable"]):
        result = subprocess.run(
            [uv, "sync", "--frozen", "--no-dev", *arguments],
            cwd=REPOSITORY, env=environment, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    installed = tmp_path / "venv" / "bin"
    assert not (installed / "pytest").exists(), "dev dependencies leaked into the image"
    image_environment = {
        "PATH": f"{installed}:/usr/bin:/bin",
        "GLUCOLAKE_DBT_PROJECT_DIR": str(REPOSITORY / "dbt"),
        "GLUCOLAKE_HOME": str(tmp_path / "home"),
    }
    result = subprocess.run(
        ["glucolake", "--help"], env=image_environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    for step in ("ingest", "transform", "validate", "publish", "simulate"):
        assert step in result.stdout
    # Not editable: the package is imported from the environment, not from src/.
    where = subprocess.run(
        [installed / "python", "-c", "import glucolake; print(glucolake.__file__)"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    ).stdout  # fmt: skip
    assert str(tmp_path / "venv") in where
