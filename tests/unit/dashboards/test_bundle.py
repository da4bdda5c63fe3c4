"""The committed Superset bundle links up, holds no password, and zips for one warehouse."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from glucolake.cli import main
from glucolake.dashboards import (
    BUNDLE_ROOT,
    PASSWORD_MASK,
    Bundle,
    BundleError,
    build_zip,
    check_bundle,
    database_file,
    load_bundle,
    superset_uri,
    write_zip,
)

BUNDLE = Path(__file__).parents[3] / "superset"
WAREHOUSE = "postgresql://superset_reader@db.example.org:5433/glucolake"
# The charts the issue asks for, by viz type.
EXPECTED_VIZ = {
    "current_glucose": "big_number",
    "glucose_trend_7d": "echarts_timeseries_line",
    "hourly_heatmap": "heatmap_v2",
    "time_in_ranges": "pie",
    "gmi": "mixed_timeseries",
    "agp": "echarts_area",
    "daily_time_in_ranges": "echarts_timeseries_bar",
    "cohort": "table",
}


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return load_bundle(BUNDLE)


def test_the_committed_bundle_links_up(bundle):
    check_bundle(bundle)
    assert {slug: c["viz_type"] for slug, c in bundle.chart_slugs().items()} == EXPECTED_VIZ
    [dashboard] = bundle.of_kind("dashboards").values()
    in_layout = {
        node["meta"]["uuid"]
        for node in dashboard["position"].values()
        if isinstance(node, dict) and node.get("type") == "CHART"
    }
    assert in_layout == {c["uuid"] for c in bundle.of_kind("charts").values()}


def test_every_chart_reads_a_dataset_of_schema_marts_with_what_it_names(bundle):
    datasets = {d["uuid"]: d for d in bundle.of_kind("datasets").values()}
    for slug, chart in bundle.chart_slugs().items():
        dataset = datasets[chart["dataset_uuid"]]
        assert dataset["schema"] == "marts", slug
        metrics = {m["metric_name"] for m in dataset["metrics"]}
        columns = {c["column_name"] for c in dataset["columns"]}
        params = chart["params"]
        named_metrics = [params.get("metric"), *params.get("metrics", [])]
        named_metrics += params.get("metrics_b", [])
        assert {m for m in named_metrics if m} <= metrics, slug
        named_columns = [params.get("x_axis"), *params.get("all_columns", [])]
        groupby = params.get("groupby") or []
        named_columns += [groupby] if isinstance(groupby, str) else groupby
        assert {c for c in named_columns if c} <= columns, slug
        if dataset["sql"]:
            # Virtual datasets read the marts only, never the curated schema.
            assert "marts." in dataset["sql"]
            assert "curated." not in dataset["sql"]


def test_every_chart_carries_the_frontends_query_context_and_its_sql(bundle):
    for slug, chart in bundle.chart_slugs().items():
        context = json.loads(chart["query_context"])
        assert context["form_data"]["viz_type"] == chart["viz_type"], slug
        assert context["queries"], slug
        for key in ("slice_id", "dashboardId", "label_colors"):
            assert key not in context["form_data"], (slug, key)
        assert (BUNDLE / "chart_queries" / f"{slug}.sql").is_file(), slug


def test_the_native_source_filter_targets_source_id(bundle):
    [dashboard] = bundle.of_kind("dashboards").values()
    [native] = dashboard["metadata"]["native_filter_configuration"]
    assert native["filterType"] == "filter_select"
    assert [t["column"]["name"] for t in native["targets"]] == ["source_id"]
    assert native["scope"]["rootPath"] == ["ROOT_ID"]
    for dataset in bundle.of_kind("datasets").values():
        assert "source_id" in {c["column_name"] for c in dataset["columns"]}, dataset["table_name"]


def test_no_password_anywhere_in_the_folder_or_the_zip(bundle):
    for path in BUNDLE.rglob("*.yaml"):
        for uri in _uris(yaml.safe_load(path.read_text(encoding="utf-8"))):
            assert ":" not in uri.split("://", 1)[1].split("@", 1)[0], path
    archive = zipfile.ZipFile(io.BytesIO(build_zip(bundle, warehouse_url=WAREHOUSE)))
    database = yaml.safe_load(archive.read(f"{BUNDLE_ROOT}/{database_file(bundle)}"))
    assert database["sqlalchemy_uri"] == (
        f"postgresql+psycopg2://superset_reader:{PASSWORD_MASK}@db.example.org:5433/glucolake"
    )


def test_the_zip_is_superset_export_layout(bundle):
    for bundle_type in ("Dashboard", "assets"):
        data = build_zip(bundle, warehouse_url=WAREHOUSE, bundle_type=bundle_type)
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        assert all(n.startswith(f"{BUNDLE_ROOT}/") for n in names)
        assert f"{BUNDLE_ROOT}/metadata.yaml" in names
        metadata = yaml.safe_load(archive.read(f"{BUNDLE_ROOT}/metadata.yaml"))
        assert metadata["version"] == "1.0.0"
        assert metadata["type"] == bundle_type
        assert len([n for n in names if "/charts/" in n]) == len(EXPECTED_VIZ)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://reader:secret-pw@db:5432/w", "carries a password"),
        ("postgresql://db:5432/w", "a user, a host and a database"),
        ("postgresql://reader@db:5432/", "a user, a host and a database"),
        ("mysql://reader@db/w", "expected postgresql://"),
        ("postgresql://reader@db:99999/w", "invalid port"),
    ],
)
def test_superset_uri_refuses(url, message):
    with pytest.raises(BundleError, match=message) as caught:
        superset_uri(url)
    assert "secret-pw" not in str(caught.value)


def test_superset_uri_defaults_the_port():
    assert (
        superset_uri("postgres://r%40x@db/w")
        == f"postgresql+psycopg2://r%40x:{PASSWORD_MASK}@db:5432/w"
    )


def test_check_bundle_names_every_broken_link(bundle):
    documents = copy.deepcopy(bundle.documents)
    chart = documents["charts/agp.yaml"]
    chart["dataset_uuid"] = "00000000-0000-0000-0000-000000000000"
    dataset = next(d for p, d in documents.items() if p.startswith("datasets/"))
    dataset["database_uuid"] = "00000000-0000-0000-0000-000000000001"
    [database] = [d for p, d in documents.items() if p.startswith("databases/")]
    database["sqlalchemy_uri"] = "postgresql://u:pw@h/db"
    documents["charts/copy.yaml"] = {**documents["charts/gmi.yaml"]}
    with pytest.raises(BundleError) as caught:
        check_bundle(Bundle(documents))
    message = str(caught.value)
    assert "charts/agp.yaml: dataset_uuid names no dataset" in message
    assert "database_uuid names no database" in message
    assert "sqlalchemy_uri carries a password" in message
    assert "already used by" in message
    assert "pw" not in message.replace("password", "")


def test_build_cli_refuses_a_password_in_one_line(tmp_path):
    out = tmp_path / "d.zip"
    result = CliRunner().invoke(
        main,
        [
            "dashboards",
            "build",
            "--warehouse-url",
            "postgresql://r:hunter22@h/w",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("glucolake: error: dashboards build: ")
    assert "hunter22" not in result.output
    assert not out.exists()


def test_build_cli_writes_the_zip(tmp_path):
    out = tmp_path / "d.zip"
    result = CliRunner().invoke(
        main, ["dashboards", "build", "--warehouse-url", WAREHOUSE, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)
    assert zipfile.is_zipfile(out)


def _uris(document):
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "sqlalchemy_uri":
                yield str(value)
            else:
                yield from _uris(value)
    elif isinstance(document, list):
        for item in document:
            yield from _uris(item)


def test_a_built_zip_loads_back_and_rebuilds_as_assets(bundle, tmp_path):
    out = tmp_path / "d.zip"
    write_zip(bundle, out, warehouse_url=WAREHOUSE)
    again = load_bundle(out)
    assert set(again.documents) == set(bundle.documents)
    check_bundle(again)
    archive = zipfile.ZipFile(io.BytesIO(build_zip(again, bundle_type="assets")))
    database = yaml.safe_load(archive.read(f"{BUNDLE_ROOT}/{database_file(bundle)}"))
    assert database["sqlalchemy_uri"] == superset_uri(WAREHOUSE)
    metadata = yaml.safe_load(archive.read(f"{BUNDLE_ROOT}/metadata.yaml"))
    assert metadata["type"] == "assets"


def test_the_7_day_trend_reads_hourly_means_weighted_by_their_readings(bundle):
    """The trend chart reads a row per source and hour, never the readings (issue 7)."""
    datasets = {d["uuid"]: d for d in bundle.of_kind("datasets").values()}
    chart = bundle.chart_slugs()["glucose_trend_7d"]
    dataset = datasets[chart["dataset_uuid"]]
    assert (dataset["table_name"], dataset["sql"]) == ("mart_glucose_hourly_trend", None)
    [metric] = [m for m in dataset["metrics"] if m["metric_name"] in chart["params"]["metrics"]]
    assert metric["expression"] == "SUM(mean_glucose * n_readings) / NULLIF(SUM(n_readings), 0)"
