"""Run the whole pipeline with known secrets, then search everything it produced for them.

Nightscout's API secret (and its SHA-1, which is what travels), the S3 secret key and the
warehouse password must appear in no log, lineage event, lake object, warehouse table, report,
dbt artifact or rendered manifest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import yaml
from psycopg import sql

from glucolake.simulate import SimulatorConfig, SimulatorServer

pytestmark = pytest.mark.slow

NIGHTSCOUT_SECRET = "nightscout-secret-7f3a9c2e"
S3_SECRET = "glucolake-test-secret-value"  # the S3 server fixture's secret key
REPOSITORY = Path(__file__).parents[2]


def test_no_secret_anywhere_after_a_full_run(tmp_path, s3_server, postgres_database):
    s3_env, s3_client = s3_server
    warehouse_password = postgres_database.split(":")[2].split("@")[0]
    secrets = {
        NIGHTSCOUT_SECRET,
        hashlib.sha1(NIGHTSCOUT_SECRET.encode(), usedforsecurity=False).hexdigest(),
        S3_SECRET,
        warehouse_password,
    }
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    config = SimulatorConfig(
        sources=2, days=3, seed=8, now=now, auth="denied", api_secret=NIGHTSCOUT_SECRET
    )
    with SimulatorServer(config) as sim:
        cohort = tmp_path / "sources.yaml"
        cohort.write_text(
            yaml.safe_dump(
                {
                    "sources": [
                        {"id": s, "url": sim.url_for(s), "api_secret_env": "SITE_SECRET"}
                        for s in sim.source_ids
                    ]
                }
            )
        )
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "GLUCOLAKE_HOME": str(tmp_path / "home"),
            "GLUCOLAKE_LAKE": "s3://lake/secrets-scan",
            "GLUCOLAKE_WAREHOUSE": postgres_database,
            "SITE_SECRET": NIGHTSCOUT_SECRET,
            **s3_env,
        }
        result = subprocess.run(
            [sys.executable, "-m", "glucolake", "run", "--sources", str(cohort)],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-3000:]

    places: dict[str, bytes] = {"stdout+stderr": (result.stdout + result.stderr).encode()}
    for path in (tmp_path / "home").rglob("*"):
        if path.is_file():
            places[str(path)] = path.read_bytes()
    paginator = s3_client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket="lake", Prefix="secrets-scan/"):
        for item in page.get("Contents", []):
            body = s3_client.get_object(Bucket="lake", Key=item["Key"])["Body"].read()
            places[f"s3://lake/{item['Key']}"] = body
    for path in (REPOSITORY / "charts" / "glucolake" / "files" / "workflows").glob("*.yaml"):
        places[str(path)] = path.read_bytes()
    with psycopg.connect(postgres_database) as connection:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('curated', 'marts')"
        ).fetchall()
        for schema, table in tables:
            query = sql.SQL("select * from {}").format(sql.Identifier(schema, table))
            rows = connection.execute(query).fetchall()
            places[f"warehouse {schema}.{table}"] = repr(rows).encode()

    assert len(places) > 50
    assert any(name.endswith("lineage.jsonl") for name in places)
    assert any(name.endswith("report.html") for name in places)
    hits = [
        (name, secret[:6] + "…")
        for name, data in places.items()
        for secret in secrets
        if secret.encode() in data
    ]
    assert hits == []
