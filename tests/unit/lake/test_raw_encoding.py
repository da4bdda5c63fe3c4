from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from glucolake.lake.raw_encoding import (
    DOCUMENT,
    ENCODING_VERSION,
    SHAPE,
    canonical_json,
    column_values,
    document_texts,
    encode_documents,
    to_parquet_bytes,
)

FETCHED = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)

scalar_types = (
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**7), max_value=10**7).map(lambda i: i / 1000),  # a delta, a dose
    st.text(max_size=12),
)
scalars = st.none() | st.one_of(*scalar_types)
# Arrays of one scalar type (a loop's predictions), which get a list column.
arrays_of_one_type = st.one_of(*(st.lists(t, min_size=1, max_size=4) for t in scalar_types))
values = st.recursive(
    scalars | arrays_of_one_type,
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
        column = column_values(table.column(name))
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
    assert table.schema.field("date").type == pa.decimal128(18, 2)  # fractional ms
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
    assert table.column("_gl_encoding").to_pylist() == [ENCODING_VERSION] * 3
    # Numbers and text at one path make a text column: staging casts it leniently.
    assert table.column("loop.iob.iob").to_pylist() == ["1.25", "n/a", None]
    assert table.column("loop.cob.cob").to_pylist() == ["12", None, "top-level wins"]
    assert column_values(table.column("openaps.iob.iob")) == [None, 0.4, None]
    assert table.column("loop.iob.timestamp").to_pylist() == ["2026-11-20T10:00:00Z", None, None]
    assert table.column("odd.c.d").to_pylist() == [None, None, True]
    assert table.schema.field("pump.battery.percent").type == "int64"
    # An array of numbers has a list column of its own; keys holding a dot stay in the shape.
    assert table.column("predicted.values[]").to_pylist() == [[150, 152], None, None]
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
        if "." not in name.removesuffix("[]") or name.startswith("_gl_"):
            continue
        for document, stored in zip(docs, column_values(table.column(name)), strict=True):
            if name in document:
                continue  # the document's own top-level field of that name
            value: object = document
            for key in name.removesuffix("[]").split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if name.endswith("[]"):
                # An array, or its JSON text; empty and mixed arrays stay in the shape (null).
                assert stored is None or stored == value or json.loads(stored) == value
            elif isinstance(value, dict | list) or value is None:
                assert stored is None
            elif isinstance(value, str):
                assert stored in {value, None}  # None: a repeat of an earlier string
            elif isinstance(stored, str):
                assert json.loads(stored) == value  # a path holding text too: JSON text
            else:
                assert stored == value or (abs(value) > 2**53 and stored == float(value))


def test_a_column_of_decimals_is_stored_as_integers_and_gives_each_double_back():
    deltas = [4.273, -0.73, 12.0, 0.1, None, 1745408563081.73]
    table = roundtrip([{"delta": d} for d in deltas])
    assert table.schema.field("delta").type == pa.decimal128(18, 3)
    assert column_values(table.column("delta")) == deltas
    assert [json.loads(t)["delta"] for t in document_texts(table)] == deltas


def test_doubles_that_are_no_short_decimal_stay_doubles():
    for odd in (0.1 + 0.2, 1e300, -0.0, 2.0**60 + 0.5, 1 / 3):
        table = roundtrip([{"x": 1.5}, {"x": odd}])
        assert table.schema.field("x").type == pa.float64(), odd
        assert document_texts(table)[1] == canonical_json({"x": odd})


def test_duckdb_reads_a_decimal_column_as_the_very_doubles(tmp_path: Path):
    # Staging casts raw numbers to double: DuckDB divides exactly (Arrow's cast would not).
    values = [round(i * 0.001 * (-1) ** i, 3) for i in range(5000)] + [199.8, 0.35, 3.1]
    table = encode_documents(
        [({"x": v}, canonical_json({"x": v}), FETCHED) for v in values],
        source_id="alice",
        batch_id="b1",
    )
    path = tmp_path / "raw.parquet"
    path.write_bytes(to_parquet_bytes(table))
    assert pq.read_schema(path).field("x").type == pa.decimal128(18, 3)
    read = duckdb.execute("select cast(x as double) from read_parquet(?)", [str(path)]).fetchall()
    assert [x for (x,) in read] == values


def test_an_array_of_scalars_of_one_type_has_a_list_column_and_a_shared_shape():
    docs = [
        {"_id": "a", "loop": {"predicted": {"values": [131, 130, 129]}}},
        {"_id": "b", "loop": {"predicted": {"values": [140, 141]}}},
    ]
    table = roundtrip(docs)
    assert table.schema.field("loop.predicted.values[]").type == pa.list_(pa.int64())
    assert table.column("loop.predicted.values[]").to_pylist() == [[131, 130, 129], [140, 141]]
    # A reference to the column, the same in every document: the shapes share one text.
    assert len(set(table.column(SHAPE).to_pylist())) == 1
    assert document_texts(table) == [canonical_json(d) for d in docs]


def test_arrays_a_list_column_cannot_give_back_stay_in_the_shape():
    docs = [
        {"a": [], "b": [1, 1.5], "c": [{"d": 1}], "e": [None], "f": [2**70]},
        {"a": [1], "b": [2], "c": [[1]], "e": [1], "f": [1], "g": {"h": [True]}},
    ]
    table = roundtrip(docs)
    assert table.schema.field("g.h[]").type == pa.list_(pa.bool_())
    assert "c[]" not in table.column_names
    assert json.loads(table.column(SHAPE)[0].as_py())["f"] == [2**70]
    assert document_texts(table) == [canonical_json(d) for d in docs]


def test_documents_alike_in_their_count_of_slots_keep_their_own_arrays():
    # Two nested slots and one array: as many slots as fields, yet the shape is not flat.
    docs = [{"a": {"b": 1, "d": 2}, "c": [[1]]}, {"a": {"b": 1, "d": 2}, "c": [[2]]}]
    table = roundtrip(docs)
    assert document_texts(table) == [canonical_json(d) for d in docs]
