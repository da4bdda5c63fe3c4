from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from glucolake.lake.raw_encoding import (
    DOCUMENT,
    canonical_json,
    encode_documents,
    to_parquet_bytes,
)

FETCHED = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
documents = st.lists(
    st.dictionaries(
        st.sampled_from(["_id", "sgv", "date", "type", "loop", "device", "x y", "ünï"]),
        values,
        max_size=8,
    ),
    min_size=1,
    max_size=20,
)


def roundtrip(docs):
    table = encode_documents(
        [(d, canonical_json(d), FETCHED) for d in docs], source_id="alice", batch_id="b1"
    )
    return pq.read_table(io.BytesIO(to_parquet_bytes(table)))


@settings(max_examples=100, deadline=None)
@given(docs=documents)
def test_documents_survive_byte_for_byte_with_types_and_key_order(docs):
    table = roundtrip(docs)
    stored = table.column(DOCUMENT).to_pylist()
    assert stored == [canonical_json(d) for d in docs]
    for original, text in zip(docs, stored, strict=True):
        decoded = json.loads(text)
        assert decoded == original
        assert list(decoded) == list(original)


@settings(max_examples=100, deadline=None)
@given(docs=documents)
def test_every_top_level_scalar_field_gets_a_column_that_loses_nothing(docs):
    table = roundtrip(docs)
    for name in {k for d in docs for k in d}:
        present = [d.get(name) for d in docs]
        if all(v is None or isinstance(v, dict | list) for v in present):
            continue  # nested-only fields live in the document
        column = table.column(name).to_pylist()
        for value, stored in zip(present, column, strict=True):
            if value is None or isinstance(value, dict | list):
                continue
            if isinstance(stored, str) and not isinstance(value, str):
                assert json.loads(stored) == value  # mixed-type field: JSON text
            elif isinstance(stored, float) and isinstance(value, int) and abs(value) > 2**53:
                assert stored == float(value)  # exactness lives in the document
            else:
                assert stored == value


def test_loose_nightscout_types_are_kept_as_sent():
    docs = [
        {"_id": "a", "sgv": 176, "date": 1745408563081.73, "type": "sgv"},
        {"_id": "b", "sgv": "176", "date": 1573470155, "type": "sgv"},
        {"_id": "c", "date": 1745408563081, "type": "sgv"},
    ]
    table = roundtrip(docs)
    assert table.schema.field("sgv").type == "string"
    assert table.column("sgv").to_pylist() == ["176", "176", None]
    assert table.schema.field("date").type == "double"
    assert table.column("_gl_source_id").to_pylist() == ["alice"] * 3
    assert [json.loads(t)["sgv"] for t in table.column(DOCUMENT).to_pylist()[:2]] == [176, "176"]


def test_numbers_nested_in_objects_get_a_column_per_path():
    docs = [
        {
            "_id": "a",
            "loop": {"iob": {"iob": 1.25, "timestamp": "2026-11-20T10:00:00Z"}, "cob": {"cob": 12}},
            "pump": {"reservoir": 80.5, "battery": {"percent": 58}},
            "predicted": {"values": [150, 152]},
        },
        {"_id": "b", "openaps": {"iob": {"iob": 0.4}}, "loop": {"iob": {"iob": "n/a"}}},
        {"_id": "c", "odd": {"a.b": 1, "c": {"d": True}}, "loop.cob.cob": "top-level wins"},
    ]
    table = roundtrip(docs)
    assert table.column("_gl_encoding").to_pylist() == [2, 2, 2]
    assert table.column("loop.iob.iob").to_pylist() == [1.25, None, None]
    assert table.column("loop.cob.cob").to_pylist() == [None, None, "top-level wins"]
    assert table.column("openaps.iob.iob").to_pylist() == [None, 0.4, None]
    assert table.schema.field("pump.battery.percent").type == "int64"
    # Text, arrays, booleans and keys holding a dot stay in the document only.
    for absent in ("loop.iob.timestamp", "predicted.values", "odd.a.b", "odd.c.d"):
        assert absent not in table.column_names


@settings(max_examples=100, deadline=None)
@given(docs=documents)
def test_every_nested_number_column_holds_the_number_at_its_path(docs):
    table = roundtrip(docs)
    top_level = {k for d in docs for k in d}
    for name in table.column_names:
        if "." not in name or name in top_level:
            continue
        for document, stored in zip(docs, table.column(name).to_pylist(), strict=True):
            value: object = document
            for key in name.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert stored == value or (abs(value) > 2**53 and stored == float(value))
            else:
                assert stored is None
