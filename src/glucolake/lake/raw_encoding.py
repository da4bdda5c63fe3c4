"""How Nightscout documents become Parquet in the raw zone, losslessly.

Every file holds, per document:
- one column per scalar field, typed by what the file's documents actually hold: top-level
  fields by name, fields nested in objects by path (``loop.iob.iob``, ``pump.clock``), and a
  list column per array of scalars (``loop.predicted.values[]``);
- ``_gl_shape``: the rest of the document (key order, nesting, arrays, JSON types), which with
  the columns gives the document back byte for byte (``lake/raw_shape.py``, ``document_texts``);
- ``_gl_document``: the document's JSON text instead, for the collections dbt reads as JSON
  (``TEXT_COLLECTIONS``);
- ``_gl_source_id``, ``_gl_batch_id``, ``_gl_fetched_at``: ingest metadata;
- ``_gl_encoding``: the version of these rules the file was written with (see below).

Nightscout types are loose (``sgv`` may be ``176`` or ``"176"``): a field whose values disagree on
type within one file is stored as text (JSON text for the non-strings), so no value is ever coerced
or lost; the shape keeps each such value's JSON type.

Numbers with a fraction are stored as Parquet decimals (64-bit integers and a scale) when every
value of the column is, exactly, a decimal of at most nine places (``4.273``, ``0.85``): a sensor's
deltas and a pump's doses are, and their integers delta-encode far smaller than doubles. A
column holding any other double (``0.1 + 0.2``, ``1e300``, ``-0.0``) stays ``DOUBLE``. Decimal and
integer are both exact, so a decimal gives its double back exactly: ``unscaled / 10**scale`` is
the correctly rounded quotient, the double the JSON text parsed to. DuckDB casts them that way;
Arrow's own decimal-to-double cast does not (it is off by one unit in the last place for some),
so ``column_values`` divides itself.

Encoding 3 kept arrays in the shape and stored every fractional number as a double. Older files
keep every document's text in ``_gl_document`` and have no shape. Encoding 2 had
columns for top-level fields and nested numbers only (nested text and arrays were reached with
JSON functions); encoding 1 has no ``_gl_encoding`` column and no nested columns, and readers
take its nested numbers from the JSON.
"""

from __future__ import annotations

import functools
import gc
import io
import json
from functools import partial
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from glucolake.lake.raw_shape import ARRAY_KINDS, Kind, Split, canonical_json, rebuild

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import datetime

__all__ = [
    "BATCH_ID",
    "DOCUMENT",
    "ENCODING",
    "ENCODING_VERSION",
    "FETCHED_AT",
    "METADATA_COLUMNS",
    "SHAPE",
    "SOURCE_ID",
    "TEXT_COLLECTIONS",
    "canonical_json",
    "column_values",
    "document_texts",
    "encode_documents",
    "exact_doubles",
    "narrowest_fractional",
    "to_parquet_bytes",
]

P = ParamSpec("P")
R = TypeVar("R")

DOCUMENT = "_gl_document"
SHAPE = "_gl_shape"
SOURCE_ID = "_gl_source_id"
BATCH_ID = "_gl_batch_id"
FETCHED_AT = "_gl_fetched_at"
ENCODING = "_gl_encoding"
METADATA_COLUMNS = (SOURCE_ID, BATCH_ID, FETCHED_AT, DOCUMENT, SHAPE, ENCODING)
ENCODING_VERSION = 4
# dbt reads these documents as JSON (a profile's store is a tree of named profiles), and a
# source has a handful of them: their text is kept whole.
TEXT_COLLECTIONS = frozenset({"profile"})

# zstd level 9: a few percent smaller than 6 on CGM documents, still far cheaper than fetching.
# Level 15 saves 5 % more on a compacted month at twice the time; 19 saves 20 % at 12 times
# (6.5 s per source-month of devicestatus): not worth it on every month of a cohort.
ZSTD_LEVEL = 9
_INT64 = (-(2**63), 2**63 - 1)
_DICTIONARY_MAX_DISTINCT_RATIO = 0.1
_DATA_PAGE_BYTES = 64 * 1024 * 1024
# Decimals of up to 18 digits are stored as 64-bit integers; every unscaled value stays below
# 2**53, so that it and its quotient by a power of ten are exact doubles.
_DECIMAL_PRECISION = 18
# Nightscout's fractional values have two to four places (deltas, doses, IOB); beyond nine a
# value is the noise of float arithmetic (0.1 + 0.2), which no scale gives back exactly anyway.
_MAX_SCALE = 9
_EXACT_INTEGER = 2.0**53
# What each column type of ``_scalar_column`` gives its values back as (decimals: float).
_ARROW_TYPES: dict[type, pa.DataType] = {
    bool: pa.bool_(),
    int: pa.int64(),
    float: pa.float64(),
    str: pa.string(),
}
_PYTHON_TYPES = {str(arrow): python for python, arrow in _ARROW_TYPES.items()}


def _paused_collector(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` with Python's cycle collector paused.

    Encoding a file allocates a few small dicts and tuples per document, and keeps them until
    the file is written: the collector, triggered by allocations, walked that growing heap over
    and over (half the time of a month's encoding). Nothing here forms a cycle, so reference
    counting frees it all; the collector runs again afterwards, as usual.
    """

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


@_paused_collector
def encode_documents(
    documents: Sequence[tuple[dict[str, Any], str, datetime]],
    *,
    source_id: str,
    batch_id: str | Sequence[str],
    keep_text: bool = False,
) -> pa.Table:
    """Build the raw table for ``(document, canonical JSON, fetched_at)`` triples.

    ``batch_id`` is the ingest batch of every document, or one per document (a compacted file
    keeps each document's own batch). ``keep_text`` stores every document's text rather than
    its shape (the collections of ``TEXT_COLLECTIONS``).
    """
    batch_ids = [batch_id] * len(documents) if isinstance(batch_id, str) else list(batch_id)
    splits = [Split(document) for document, _, _ in documents]
    paths: dict[str, None] = {}
    for document_split in splits:
        paths.update(dict.fromkeys(document_split.values))
    typed: dict[str, pa.Array[Any]] = {}
    for path in paths:
        column = _scalar_column([s.values.get(path) for s in splits])
        if column is not None:
            typed[path] = column
    if keep_text:
        texts: list[str | None] = [text for _, text, _ in documents]
        shapes: list[str | None] = [None] * len(documents)
    else:
        column_types = {path: _column_kind(column.type) for path, column in typed.items()}
        fits: dict[tuple[tuple[str, Kind], ...], bool] = {}
        for document_split in splits:
            kinds = document_split.kinds
            if kinds not in fits:
                fits[kinds] = all(column_types.get(path) is kind for path, kind in kinds)
        texts = [None] * len(documents)
        flat_shapes: dict[tuple[str, ...], str] = {}
        shapes = []
        for document_split in splits:
            keys = document_split.flat_keys
            if keys is not None and fits[document_split.kinds]:
                if keys not in flat_shapes:
                    flat_shapes[keys] = document_split.shape(column_types, fits=True)
                shapes.append(flat_shapes[keys])
            else:
                shapes.append(document_split.shape(column_types, fits=fits[document_split.kinds]))
    columns: dict[str, pa.Array[Any]] = {
        SOURCE_ID: pa.array([source_id] * len(documents), pa.string()),
        BATCH_ID: pa.array(batch_ids, pa.string()),
        FETCHED_AT: pa.array([f for _, _, f in documents], pa.timestamp("ms", tz="UTC")),
        DOCUMENT: pa.array(texts, pa.string()),
        SHAPE: pa.array(shapes, pa.string()),
        ENCODING: pa.array([ENCODING_VERSION] * len(documents), pa.int8()),
    }
    return pa.table(columns | typed)


@_paused_collector
def document_texts(table: pa.Table) -> list[str]:
    """Every row's document as its canonical JSON text: kept whole, or rebuilt from its shape."""
    texts = cast("list[str | None]", table.column(DOCUMENT).to_pylist())
    if SHAPE not in table.column_names:
        return cast("list[str]", texts)  # encodings 1 and 2 keep every text
    shapes = cast("list[str | None]", table.column(SHAPE).to_pylist())
    cells = {
        name: column_values(table.column(name))
        for name in table.column_names
        if name not in METADATA_COLUMNS
    }
    # A row holds its text or its shape, never neither.
    return [
        rebuild(shape, partial(_cell, cells, row)) if shape is not None else cast("str", text)
        for row, (text, shape) in enumerate(zip(texts, shapes, strict=True))
    ]


def column_values(column: pa.ChunkedArray[Any]) -> list[Any]:
    """A raw column's values as the documents held them (a decimal as its exact double)."""
    if pa.types.is_decimal(column.type):
        return exact_doubles(column).to_pylist()
    return column.to_pylist()


def exact_doubles(column: pa.ChunkedArray[Any]) -> pa.ChunkedArray[Any]:
    """A decimal column as doubles: each ``unscaled / 10**scale``, correctly rounded."""
    scale = cast("pa.Decimal128Type", column.type).scale
    chunks = []
    for chunk in column.chunks:
        as_integers = pa.Array.from_buffers(
            pa.decimal128(_DECIMAL_PRECISION, 0),
            len(chunk),
            chunk.buffers(),
            null_count=chunk.null_count,
            offset=chunk.offset,
        ).cast(pa.int64())
        unscaled = as_integers.fill_null(0).to_numpy(zero_copy_only=False)
        chunks.append(
            pa.array(
                unscaled / 10.0**scale,
                pa.float64(),
                mask=chunk.is_null().to_numpy(zero_copy_only=False),
            )
        )
    return pa.chunked_array(chunks, pa.float64())


def narrowest_fractional(doubles: pa.Array[Any]) -> pa.Array[Any]:
    """A column of doubles as decimals, when every value is one exactly; else as it is.

    The scale is the fewest places that give every value back: ``round(v * 10**s) / 10**s == v``
    for each, checked with the very division a reader does.
    """
    numbers = doubles.fill_null(0.0).to_numpy(zero_copy_only=False)
    if not np.isfinite(numbers).all() or np.signbit(numbers[numbers == 0]).any():
        return doubles  # -0.0 has no decimal; JSON has no NaN or infinity
    for scale in range(_MAX_SCALE + 1):
        unscaled = np.round(numbers * 10.0**scale)
        if np.abs(unscaled).max(initial=0.0) >= _EXACT_INTEGER:
            return doubles
        if np.array_equal(unscaled / 10.0**scale, numbers):
            integers = pa.array(
                unscaled.astype(np.int64), mask=doubles.is_null().to_numpy(zero_copy_only=False)
            )
            # Arrow's cast checks the widest int64 against the precision: 19 digits.
            wide = integers.cast(pa.decimal128(_DECIMAL_PRECISION + 1, 0))
            return pa.Array.from_buffers(
                pa.decimal128(_DECIMAL_PRECISION, scale),
                len(wide),
                wide.buffers(),
                null_count=wide.null_count,
            )
    return doubles


def _column_kind(arrow_type: pa.DataType) -> Kind:
    """What a column gives its values back as: a Python type, or an array kind."""
    if pa.types.is_decimal(arrow_type):
        return float
    if pa.types.is_list(arrow_type):
        return ARRAY_KINDS[_PYTHON_TYPES[str(arrow_type.value_type)]]
    return _PYTHON_TYPES[str(arrow_type)]


def _cell(cells: dict[str, list[Any]], row: int, path: str) -> Any:  # noqa: ANN401 - JSON scalar
    column = cells.get(path)
    return None if column is None else column[row]


def to_parquet_bytes(table: pa.Table) -> bytes:
    """Serialise a raw table with encodings chosen per column for CGM data."""
    dictionary: list[str] = []
    encodings: dict[str, str] = {}
    # Min/max statistics help readers skip files by time, source or type; on unique text (the
    # document, ISO strings, ObjectIds) they only copy two long values into every footer.
    statistics: list[str] = []
    for field in table.schema:
        column = table.column(field.name)
        if field.name == DOCUMENT:
            encodings[field.name] = "PLAIN"
        elif pa.types.is_string(field.type):
            distinct = len(column.unique())
            if distinct <= max(1, int(len(column) * _DICTIONARY_MAX_DISTINCT_RATIO)):
                dictionary.append(field.name)
                statistics.append(field.name)
            else:
                # Sorted timestamps and ObjectIds share long prefixes: front coding wins.
                encodings[field.name] = "DELTA_BYTE_ARRAY"
        elif _is_integral(field.type):
            encodings[field.name] = "DELTA_BINARY_PACKED"
            statistics.append(field.name)
        elif pa.types.is_floating(field.type):
            encodings[field.name] = "BYTE_STREAM_SPLIT"
            statistics.append(field.name)
        elif pa.types.is_list(field.type):
            # A loop's predictions: neighbouring values differ by a few mg/dL.
            item = field.type.value_type
            if _is_integral(item):
                encodings[f"{field.name}.list.element"] = "DELTA_BINARY_PACKED"
            elif pa.types.is_floating(item):
                encodings[f"{field.name}.list.element"] = "BYTE_STREAM_SPLIT"
        else:
            statistics.append(field.name)
    sink = io.BytesIO()
    pq.write_table(
        table,
        sink,
        compression="zstd",
        compression_level=ZSTD_LEVEL,
        # zstd compresses each data page on its own: a month of documents in large pages lets
        # it find the repeats between far-apart documents (the default page is 1 MB).
        data_page_size=_DATA_PAGE_BYTES,
        use_dictionary=dictionary,  # type: ignore[arg-type]  # the stubs forget the list form
        column_encoding=encodings,
        write_statistics=statistics,
        # The Parquet logical types already say everything (UTC timestamps included); the
        # serialised Arrow schema would add a kilobyte to every small daily file.
        store_schema=False,
        store_decimal_as_integer=True,
    )
    return sink.getvalue()


def _is_integral(arrow_type: pa.DataType) -> bool:
    """Stored as integers: delta encoding suits them (times, counts, decimals)."""
    return (
        pa.types.is_integer(arrow_type)
        or pa.types.is_timestamp(arrow_type)
        or pa.types.is_decimal(arrow_type)
    )


def _scalar_column(values: Iterable[Any]) -> pa.Array[Any] | None:
    """Type a slot's values (scalars, or arrays of one scalar type); ``None`` if all null."""
    values = list(values)
    kinds = {_kind(v) for v in values if v is not None}
    if not kinds:
        return None
    typed = _typed_column(values, kinds)
    if typed is not None:
        return typed
    # Mixed types: text, strings as they are and everything else as its JSON literal.
    return pa.array(
        [
            v if v is None or isinstance(v, str) else json.dumps(v, separators=(",", ":"))
            for v in values
        ],
        pa.string(),
    )


def _typed_column(values: list[Any], kinds: set[Kind]) -> pa.Array[Any] | None:
    """The column of values of one type (integers and floats together: fractional)."""
    if kinds == {int} and all(v is None or _INT64[0] <= v <= _INT64[1] for v in values):
        return pa.array(values, pa.int64())
    if kinds <= {int, float}:
        doubles = pa.array([None if v is None else float(v) for v in values], pa.float64())
        return narrowest_fractional(doubles)
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if kind in (bool, str):
        return pa.array(values, _ARROW_TYPES[cast("type", kind)])
    return _array_column(values, kind)


def _array_column(values: list[Any], kind: Kind) -> pa.Array[Any] | None:
    """A list column for arrays of one kind; ``None`` for scalars or integers beyond int64."""
    if not isinstance(kind, tuple):
        return None
    item = kind[1]
    arrays = [array for array in values if array is not None]
    if item is int and not _INT64[0] <= min(map(min, arrays)) <= max(map(max, arrays)) <= _INT64[1]:
        return None
    return pa.array(values, pa.list_(_ARROW_TYPES[item]))


def _kind(value: Any) -> Kind:  # noqa: ANN401 - a slot's value
    """A scalar's type, or an array slot's kind (its items share one scalar type)."""
    kind = type(value)
    return ARRAY_KINDS[type(value[0])] if kind is list else kind
