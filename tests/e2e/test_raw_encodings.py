"""Device statuses read the same from raw files of every encoding, and JSON only when needed."""

from __future__ import annotations

import json
import shutil

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.helpers import glucolake, home_environment

from glucolake.lake.raw_encoding import (
    DOCUMENT,
    ENCODING,
    SHAPE,
    document_texts,
    exact_doubles,
)
from glucolake.simulate import SimulatorConfig, SimulatorServer, write_sources_file

pytestmark = pytest.mark.slow

STAGED = "lake/staging/stg_nightscout__devicestatus.parquet"
COMPILED = "dbt/target/compiled/glucolake/models/staging/nightscout/"
NUMBERS = (
    "insulin_on_board_units",
    "carbs_on_board_grams",
    "uploader_battery_percent",
    "pump_reservoir_units",
)


def full_build(home, env):
    """A full build of the lake side from the raw zone alone."""
    for derived in ("lake/staging", "lake/intermediate", "lake/curated", "lake/state/changes"):
        shutil.rmtree(home / derived, ignore_errors=True)
    glucolake("transform", "--stage", "intermediate", env=env)
    with duckdb.connect() as connection:
        rows = connection.execute(
            f"select source_id, nightscout_id, {', '.join(NUMBERS)} "  # noqa: S608 - constants
            f"from '{home / STAGED}' order by all"
        ).fetchall()
    compiled = (home / COMPILED / "stg_nightscout__devicestatus.sql").read_text()
    return rows, "_gl_document" in compiled


def as_encoding_1(path):
    """Rewrite a raw file as ingest wrote it before encoding 2: the text, top-level columns."""
    table = with_text(as_doubles(pq.read_table(path)))
    kept = [
        n
        for n in table.column_names
        if n not in {ENCODING, SHAPE} and "." not in n and not n.endswith("[]")
    ]
    pq.write_table(table.select(kept), path, compression="zstd")


def as_encoding_2(path):
    """Rewrite a raw file as ingest wrote it before encoding 3: the text, nested numbers only."""
    table = with_text(as_doubles(pq.read_table(path)))
    kept = [
        field.name
        for field in table.schema
        if field.name != SHAPE
        and not ("." in field.name and pa.types.is_string(field.type))
        and not field.name.endswith("[]")
    ]
    pq.write_table(with_encoding(table.select(kept), 2), path, compression="zstd")


def as_encoding_3(path):
    """Rewrite a raw file as ingest wrote it before encoding 4: doubles, arrays in the shape."""
    original = pq.read_table(path)
    table = as_doubles(original)
    arrays = {name: table.column(name).to_pylist() for name in table.column_names if "[]" in name}
    shapes = [
        json.dumps(
            with_arrays(json.loads(shape), {name: values[row] for name, values in arrays.items()}),
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for row, shape in enumerate(table.column(SHAPE).to_pylist())
    ]
    table = table.drop_columns(list(arrays))
    table = table.set_column(table.schema.get_field_index(SHAPE), SHAPE, pa.array(shapes))
    assert document_texts(table) == document_texts(original)  # the same documents
    pq.write_table(with_encoding(table, 3), path, compression="zstd")


def as_doubles(table):
    """``table`` with its decimal columns as doubles (exact: staging reads either alike)."""
    for index, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            table = table.set_column(index, field.name, exact_doubles(table.column(index)))
    return table


def with_arrays(shape, arrays):
    """A shape whose references to list columns are the arrays themselves again."""
    for key, value in shape.items():
        if isinstance(value, dict):
            with_arrays(value, arrays)
        elif isinstance(value, str) and value.startswith("\x00") and value.endswith("[]"):
            shape[key] = arrays[value[1:]]
    return shape


def with_encoding(table, version):
    encoding = pa.array([version] * table.num_rows, pa.int8())
    return table.set_column(table.schema.get_field_index(ENCODING), ENCODING, encoding)


def with_text(table):
    texts = pa.array(document_texts(table), pa.string())
    return table.set_column(table.schema.get_field_index(DOCUMENT), DOCUMENT, texts)


@pytest.mark.parametrize(
    ("rewrite", "reads_json"),
    [(as_encoding_1, True), (as_encoding_2, False), (as_encoding_3, False)],
)
def test_old_and_new_raw_files_give_the_same_device_statuses(tmp_path, rewrite, reads_json):
    env = home_environment(tmp_path)
    with SimulatorServer(SimulatorConfig(sources=2, days=3, seed=5)) as sim:
        cohort = tmp_path / "sources.yaml"
        write_sources_file(sim, cohort)
        glucolake("ingest", "--sources", str(cohort), env=env)

    new, new_reads_json = full_build(tmp_path, env)
    assert any(row[2] is not None for row in new), "the cohort has insulin on board"
    assert not new_reads_json, "a lake of the current encoding alone never parses the documents"

    files = sorted((tmp_path / "lake/raw/nightscout/devicestatus").rglob("*.parquet"))
    for path in files[::2]:
        rewrite(path)
    mixed, mixed_reads_json = full_build(tmp_path, env)
    assert mixed_reads_json == reads_json
    assert mixed == new
