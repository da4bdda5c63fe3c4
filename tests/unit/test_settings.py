from __future__ import annotations

from pathlib import Path

import pytest

from glucolake.settings import ConfigError, Secret, Settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    return path


def test_defaults_put_everything_under_glucolake_home(tmp_path):
    settings = Settings.load({"GLUCOLAKE_HOME": str(tmp_path)}, url="https://alice.example.org")
    assert settings.home == tmp_path
    assert settings.lake == str(tmp_path / "lake")
    (source,) = settings.sources
    assert source.id == "alice"
    assert source.url == "https://alice.example.org/"
    assert source.timezone is None


def test_sources_file_with_secrets_from_named_variables(tmp_path):
    path = write(
        tmp_path,
        """
sources:
  - id: alice
    url: https://alice.example.org/ns
    timezone: Europe/Berlin
    api_secret_env: ALICE_SECRET
    units: mmol  # extra keys are fine
  - id: bob-2
    url: http://127.0.0.1:5555/bob
    token_env: BOB_TOKEN
""",
    )
    env = {"ALICE_SECRET": "correct-horse-battery", "BOB_TOKEN": "bob-0123456789abcdef"}
    settings = Settings.load(env, sources_file=path)
    alice, bob = settings.sources
    assert alice.url == "https://alice.example.org/ns/"
    assert alice.api_secret == Secret("correct-horse-battery")
    assert bob.token is not None
    assert bob.credential_env == "BOB_TOKEN"
    assert set(settings.secrets) == {"correct-horse-battery", "bob-0123456789abcdef"}


def test_secrets_never_print():
    secret = Secret("correct-horse-battery")
    assert "correct" not in repr(secret)
    assert "correct" not in str(secret)
    settings = Settings.load({"NIGHTSCOUT_API_SECRET": "correct-horse-battery"}, url="https://a.b")
    assert "correct" not in repr(settings)


def test_s3_lake_and_credentials():
    env = {
        "GLUCOLAKE_LAKE": "s3://lake/glucolake/",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_ACCESS_KEY_ID": "minio",
        "AWS_SECRET_ACCESS_KEY": "minio-secret-key",
        "AWS_REGION": "eu-central-1",
    }
    settings = Settings.load(env, url="https://a.example.org")
    assert settings.lake == "s3://lake/glucolake"
    assert settings.s3.endpoint_url == "http://127.0.0.1:9000"
    assert settings.s3.region == "eu-central-1"
    assert "minio-secret-key" in settings.secrets


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("sources: [", {}, "invalid YAML at line 1"),
        ("- id: a", {}, "expected a mapping with a 'sources:' list"),
        ("sources: []", {}, "list is empty"),
        ("sources:\n  - id: Alice\n    url: https://a.org", {}, "id 'Alice' must be"),
        ("sources:\n  - id: a\n", {}, "source 'a': url is missing"),
        ("sources:\n  - id: a\n    url: ftp://a.org", {}, "is not an http(s) URL"),
        ("sources:\n  - id: a\n    url: https://u:p@a.org", {}, "must not carry credentials"),
        (
            "sources:\n  - id: a\n    url: https://a.org\n    timezone: Mars/Olympus",
            {},
            "unknown time zone 'Mars/Olympus'",
        ),
        (
            "sources:\n  - id: a\n    url: https://a.org\n    api_secret_env: A_SECRET",
            {},
            "environment variable A_SECRET is not set",
        ),
        (
            "sources:\n  - id: a\n    url: https://a.org\n  - id: a\n    url: https://b.org",
            {},
            "source id 'a' appears twice",
        ),
    ],
)
def test_bad_sources_files_fail_with_one_line_naming_file_and_source(tmp_path, text, env, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        Settings.load(env, sources_file=path)
    assert message in str(error.value)
    assert str(path) in str(error.value)
    assert "\n" not in str(error.value)


def test_missing_sources_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read it"):
        Settings.load({}, sources_file=tmp_path / "nope.yaml")


def test_no_source_at_all_says_how_to_configure_one():
    with pytest.raises(ConfigError, match="pass --sources FILE, or --url URL"):
        Settings.load({})


def test_sources_file_and_url_are_exclusive(tmp_path):
    path = write(tmp_path, "sources:\n  - id: a\n    url: https://a.org\n")
    with pytest.raises(ConfigError, match="cannot be combined"):
        Settings.load({}, sources_file=path, url="https://b.org")


def test_single_site_from_environment():
    env = {
        "NIGHTSCOUT_URL": "https://carol.herokuapp.com",
        "NIGHTSCOUT_TOKEN": "reader-0123456789abcdef",
    }
    (source,) = Settings.load(env, timezone="America/New_York").sources
    assert source.id == "carol"
    assert source.timezone == "America/New_York"
    assert source.token_env == "NIGHTSCOUT_TOKEN"


def test_unknown_timezone_flag_is_rejected():
    with pytest.raises(ConfigError, match="unknown time zone 'Berlin'"):
        Settings.load({}, url="https://a.org", timezone="Berlin")
