"""The warehouse role dashboards use reads the marts and nothing else (a real Postgres)."""

from __future__ import annotations

import psycopg
import pytest
from tests.helpers import home_environment, run_pipeline

pytestmark = pytest.mark.slow


def test_dashboard_role_reads_marts_only(tmp_path, postgres_database):
    env = home_environment(tmp_path, GLUCOLAKE_WAREHOUSE=postgres_database)
    run_pipeline(tmp_path, env, sources=1, days=2, seed=2)

    # What the chart does for Superset: a login role in the dashboards' group.
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        admin.execute("drop role if exists superset_reader")
        admin.execute(
            "create role superset_reader login password 'reader-pw' in role glucolake_dashboards"
        )
    host = postgres_database.split("@")[1]
    reader = f"postgresql://superset_reader:reader-pw@{host}"
    with psycopg.connect(reader, autocommit=True) as connection:
        rows = connection.execute("select count(*) from marts.mart_glucose_summary").fetchone()
        assert rows[0] > 0
        for statement in (
            "select count(*) from curated.fact_glucose_readings",
            "create table marts.intruder (x int)",
            "delete from marts.mart_glucose_summary",
            "create table public.intruder (x int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(statement)
