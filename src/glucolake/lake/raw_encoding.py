"""How Nightscout documents become Parquet in the raw zone, losslessly.

Every file holds, per document:
- one column per scalar field, typed by what the file's documents actually hold: top-level
  fields by name, fields nested in objects by path (``loop.iob.iob``, ``pump.clock``);
- ``_gl_shape``: the rest of the document (key order, nesting, arrays, JSON types), which with
  the columns gives the document back byte for byte (``lake/raw_shape.py``, ``document_texts``);
- ``_gl_document``: the document's JSON text instead, for the collections dbt reads as JSON
  (``TEXT_COLLECTIONS``);
- ``_gl_source_id``, ``_gl_batch_id``, ``_gl_fetched_at``: ingest metadata;
- ``_gl_encoding``: the version of these rules the file was written with (see below).

Nightscout types are loose (``sgv`` may be ``176`` or ``"176"``): a field whose values disagree on
type within one file is stored as text (JSON text for the non-strings), so no value is ever coerced
or lost; the shape keeps each such value's JSON type.

Older files keep every document's text in ``_gl_document`` and have no shape. Encoding 2 had
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

import pyarrow as pa
import pyarrow.parquet as pq

from glucolake.lake.raw_shape import Split, canonical_json, rebuild

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
    "document_texts",
    "encode_documents",
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
ENCODING_VERSION = 3
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
# What each column type of ``_scalar_column`` gives its values back as.
_PYTHON_TYPES = {"bool": bool, "int64": int, "double": float, "string": str}


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
        column_types = {path: _PYTHON_TYPES[str(column.type)] for path, column in typed.items()}
        fits: dict[tuple[tuple[str, type], ...], bool] = {}
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
        name: table.column(name).to_pylist()
        for name in table.column_names
        if name not in METADATA_COLUMNS
    }
    # A row holds its text or its shape, never neither.
    return [
        rebuild(shape, partial(_cell, cells, row)) if shape is not None else cast("str", text)
        for row, (text, shape) in enumerate(zip(texts, shapes, strict=True))
    ]


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
        elif pa.types.is_integer(field.type) or pa.types.is_timestamp(field.type):
            encodings[field.name] = "DELTA_BINARY_PACKED"
            statistics.append(field.name)
        elif pa.types.is_floating(field.type):
            encodings[field.name] = "BYTE_STREAM_SPLIT"
            statistics.append(field.name)
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
    )
    return sink.getvalue()


def _scalar_column(values: Iterable[Any]) -> pa.Array[Any] | None:
    """Type a field's values; ``None`` if it only holds objects/arrays (kept in the document)."""
    values = list(values)
    kinds = {_kind(v) for v in values if v is not None}
    if not kinds or kinds == {"nested"}:
        return None
    if kinds == {"bool"}:
        return pa.array(values, pa.bool_())
    if kinds == {"int"} and all(v is None or _INT64[0] <= v <= _INT64[1] for v in values):
        return pa.array(values, pa.int64())
    if kinds <= {"int", "float"}:
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if kinds == {"str"}:
        return pa.array(values, pa.string())
    # Mixed types: text, strings as they are and everything else as its JSON literal.
    return pa.array(
        [
            v if v is None or isinstance(v, str) else json.dumps(v, separators=(",", ":"))
            for v in values
        ],
        pa.string(),
    )


def _kind(value: Any) -> str:  # noqa: ANN401 - any JSON value
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return "nested"
