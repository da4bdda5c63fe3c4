"""Servers shared by the slow tests: a real Postgres, started and stopped by the tests."""

from __future__ import annotations

import os

import pytest
from tests.postgres_server import free_port, postgres_server

POSTGRES_PASSWORD = "glucolake-test-password"


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway Postgres cluster on loopback with password authentication."""
    try:
        with postgres_server(POSTGRES_PASSWORD) as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def postgres_database(postgres_url):
    """A fresh database per test, dropped afterwards; yields its URL."""
    import psycopg  # noqa: PLC0415 - only the Postgres tests need it

    name = f"t{os.getpid()}_{free_port()}"
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f'create database "{name}"')
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 protocol server (moto's server mode) with an empty bucket `lake`."""
    import boto3  # noqa: PLC0415
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 - only integration tests need it

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "glucolake-test-key",
        "AWS_SECRET_ACCESS_KEY": "glucolake-test-secret-value",
        "AWS_REGION": "us-east-1",
    }
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="lake")
    yield env, client
    server.stop()
