"""Nightscout authentication: secret hashes, access tokens, default roles, verifyauth."""

import hashlib
import json

import pytest

from glucolake.simulate import SimulatorConfig, access_token
from glucolake.simulate.app import Router
from glucolake.simulate.build import build_sites
from glucolake.simulate.config import Clock
from glucolake.simulate.faults import FaultPlan

SECRET = "correct horse battery staple"
SHA1 = hashlib.sha1(SECRET.encode()).hexdigest()  # noqa: S324 - Nightscout's scheme
SHA512 = hashlib.sha512(SECRET.encode()).hexdigest()


@pytest.fixture(scope="module")
def world():
    config = SimulatorConfig(
        sources=2,
        days=1,
        now="2025-03-25T08:00:00Z",
        auth="denied",
        auth_overrides={"patient-002": "readable"},
        api_secret=SECRET,
    )
    clock = Clock(config.frozen_now)
    return Router(clock, FaultPlan(1, 0.0, ())), build_sites(config, clock)


def get(world, path, query="", headers=None, source="patient-001"):
    router, sites = world
    reply = router.handle(sites[source], f"/api/v1/{path}", query, headers or {})
    return reply.status, json.loads(reply.body)


def test_denied_without_credentials_is_401(world):
    assert get(world, "entries.json") == (
        401,
        {"status": 401, "message": "Unauthorized", "description": "Invalid/Missing"},
    )
    assert get(world, "status.json")[0] == 401


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("", {"api-secret": SHA1}),
        ("", {"api-secret": SHA1.upper()}),
        ("", {"api-secret": SHA512}),
        (f"secret={SHA1}", {}),
    ],
)
def test_secret_hashes_are_accepted(world, query, headers):
    assert get(world, "entries.json", query, headers)[0] == 200
    assert get(world, "verifyauth", query, headers)[1]["message"]["message"] == "OK"


def test_access_token_format_and_acceptance(world):
    _, sites = world
    token = sites["patient-001"].credentials.token
    subject_id = hashlib.sha256(b"subject:patient-001").hexdigest()[:24]
    expected_hex = hashlib.sha1((SHA1 + subject_id).encode()).hexdigest()[:16]  # noqa: S324
    assert token == access_token(SECRET, "glucolake", subject_id) == f"glucolake-{expected_hex}"
    assert get(world, "entries.json", f"token={token}")[0] == 200
    message = get(world, "verifyauth", f"token={token}")[1]["message"]
    assert message == {
        "canRead": True,
        "canWrite": False,
        "isAdmin": False,
        "message": "OK",
        "rolefound": "FOUND",
        "permissions": "ROLE",
    }


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("", {"api-secret": SECRET}),  # the plain secret is not accepted
        ("", {"api-secret": SHA512.upper()}),
        ("token=glucolake-0000000000000000", {}),
    ],
)
def test_wrong_credentials_are_refused_and_counted(world, query, headers):
    _, sites = world
    before = sites["patient-001"].stats.snapshot()["auth_failures"]
    assert get(world, "entries.json", query, headers)[0] == 401
    assert get(world, "verifyauth", query, headers)[1]["message"]["message"] == "UNAUTHORIZED"
    assert sites["patient-001"].stats.snapshot()["auth_failures"] == before + 2


def test_readable_site_serves_anonymous_reads_but_verifyauth_says_unauthorized(world):
    assert get(world, "entries.json", source="patient-002")[0] == 200
    message = get(world, "verifyauth", source="patient-002")[1]["message"]
    assert message["canRead"] is True
    assert message["message"] == "UNAUTHORIZED"
    # A wrong secret on a readable site still reads, like Nightscout, but is counted.
    assert (
        get(world, "entries.json", headers={"api-secret": "x" * 40}, source="patient-002")[0] == 200
    )


def test_secret_never_appears_in_repr_of_the_config():
    config = SimulatorConfig(api_secret=SECRET, auth="denied")
    assert SECRET not in repr(config)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"auth": "denied"}, "needs an api_secret"),
        ({"api_secret": "short"}, "at least 12"),
    ],
)
def test_config_refuses_unusable_auth(settings, message):
    with pytest.raises(ValueError, match=message):
        SimulatorConfig(**settings)
