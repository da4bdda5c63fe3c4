from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from glucolake.lake.raw_encoding import (
    DOCUMENT,
    SHAPE,
    canonical_json,
    document_texts,
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


def roundtrip(docs, *, keep_text=False):
    table = encode_documents(
        [(d, canonical_json(d), FETCHED) for d in docs],
        source_id="alice",
        batch_id="b1",
        keep_text=keep_text,
    )
    return pq.read_table(io.BytesIO(to_parquet_bytes(table)))


@settings(max_examples=100, deadline=None)
@given(docs=documents)
def test_documents_survive_byte_for_byte_with_types_and_key_order(docs):
    table = roundtrip(docs)
    stored = document_texts(table)
    assert stored == [canonical_json(d) for d in docs]
    assert table.column(DOCUMENT).null_count == len(docs)  # every one rebuilt from its shape
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
    assert [json.loads(t)["sgv"] for t in document_texts(table)[:2]] == [176, "176"]


def test_scalars_nested_in_objects_get_a_column_per_path():
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
    assert table.column("_gl_encoding").to_pylist() == [3, 3, 3]
    # Numbers and text at one path make a text column: staging casts it leniently.
    assert table.column("loop.iob.iob").to_pylist() == ["1.25", "n/a", None]
    assert table.column("loop.cob.cob").to_pylist() == ["12", None, "top-level wins"]
    assert table.column("openaps.iob.iob").to_pylist() == [None, 0.4, None]
    assert table.column("loop.iob.timestamp").to_pylist() == ["2026-11-20T10:00:00Z", None, None]
    assert table.column("odd.c.d").to_pylist() == [None, None, True]
    assert table.schema.field("pump.battery.percent").type == "int64"
    # Arrays and keys holding a dot stay in the shape only.
    for absent in ("predicted.values", "odd.a.b"):
        assert absent not in table.column_names
    assert document_texts(table) == [canonical_json(d) for d in docs]


def test_a_nested_string_repeating_an_earlier_one_is_stored_once():
    docs = [
        {
            "created_at": "2026-11-20T10:00:00Z",
            "pump": {"clock": "2026-11-20T10:00:00Z", "status": "normal"},
            "loop": {"timestamp": "2026-11-20T10:05:00Z"},
        }
    ]
    table = roundtrip(docs)
    assert "pump.clock" not in table.column_names  # no document holds a value of its own there
    assert table.column("loop.timestamp").to_pylist() == ["2026-11-20T10:05:00Z"]
    assert "\\u0000created_at" in table.column(SHAPE)[0].as_py()
    assert document_texts(table) == [canonical_json(d) for d in docs]


def test_a_value_its_column_cannot_give_back_leaves_the_other_slots_blank():
    docs = [{"a": 1, "loop": {"name": "Loop"}}, {"a": 1.5, "loop": {"name": "Loop"}}]
    table = roundtrip(docs)
    # The integer stays in its shape (its column holds floats); the string is its column's.
    assert table.column(SHAPE).to_pylist() == [
        '{"a":1,"loop":{"name":null}}',
        '{"a":null,"loop":{"name":null}}',
    ]
    assert document_texts(table) == [canonical_json(d) for d in docs]


def test_collections_read_as_json_keep_their_text():
    docs = [{"_id": "p", "defaultProfile": "Default", "store": {"Default": {"dia": 3}}}]
    table = roundtrip(docs, keep_text=True)
    assert table.column(DOCUMENT).to_pylist() == [canonical_json(docs[0])]
    assert table.column(SHAPE).to_pylist() == [None]
    assert table.column("store.Default.dia").to_pylist() == [3]


@settings(max_examples=100, deadline=None)
@given(docs=documents)
def test_every_nested_column_holds_the_value_at_its_path(docs):
    table = roundtrip(docs)
    for name in table.column_names:
        if "." not in name or name.startswith("_gl_"):
            continue
        for document, stored in zip(docs, table.column(name).to_pylist(), strict=True):
            if name in document:
                continue  # the document's own top-level field of that name
            value: object = document
            for key in name.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, dict | list) or value is None:
                assert stored is None
            elif isinstance(value, str):
                assert stored in {value, None}  # None: a repeat of an earlier string
            elif isinstance(stored, str):
                assert json.loads(stored) == value  # a path holding text too: JSON text
            else:
                assert stored == value or (abs(value) > 2**53 and stored == float(value))


def test_documents_alike_in_their_count_of_slots_keep_their_own_arrays():
    # Two nested slots and one array: as many slots as fields, yet the shape is not flat.
    docs = [{"a": {"b": 1, "d": 2}, "c": [[1]]}, {"a": {"b": 1, "d": 2}, "c": [[2]]}]
    table = roundtrip(docs)
    assert document_texts(table) == [canonical_json(d) for d in docs]
