"""Device statuses read the same from raw files of every encoding, and JSON only when needed."""

from __future__ import annotations

import shutil

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.helpers import glucolake, home_environment

from glucolake.lake.raw_encoding import DOCUMENT, ENCODING, SHAPE, document_texts
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
    table = with_text(pq.read_table(path))
    kept = [n for n in table.column_names if n not in {ENCODING, SHAPE} and "." not in n]
    pq.write_table(table.select(kept), path, compression="zstd")


def as_encoding_2(path):
    """Rewrite a raw file as ingest wrote it before encoding 3: the text, nested numbers only."""
    table = with_text(pq.read_table(path))
    kept = [
        field.name
        for field in table.schema
        if field.name != SHAPE and not ("." in field.name and pa.types.is_string(field.type))
    ]
    table = table.select(kept)
    encoding = pa.array([2] * table.num_rows, pa.int8())
    table = table.set_column(table.schema.get_field_index(ENCODING), ENCODING, encoding)
    pq.write_table(table, path, compression="zstd")


def with_text(table):
    texts = pa.array(document_texts(table), pa.string())
    return table.set_column(table.schema.get_field_index(DOCUMENT), DOCUMENT, texts)


@pytest.mark.parametrize(("rewrite", "reads_json"), [(as_encoding_1, True), (as_encoding_2, False)])
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
