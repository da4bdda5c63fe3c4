"""How Nightscout documents become Parquet in the raw zone, losslessly.

Every file holds, per document:
- ``_gl_document``: the document as fetched, as JSON text (key order and JSON types preserved);
- ``_gl_source_id``, ``_gl_batch_id``, ``_gl_fetched_at``: ingest metadata;
- ``_gl_encoding``: the version of these rules the file was written with (see below);
- one column per top-level scalar field, typed by what the file's documents actually hold;
- one column per number nested in objects, named by its path (``loop.iob.iob``).

Nightscout types are loose (``sgv`` may be ``176`` or ``"176"``): a field whose values disagree on
type within one file is stored as text (JSON text for the non-strings), so no value is ever coerced
or lost. Nested objects and arrays (devicestatus' ``loop``, ``pump``…) otherwise live only in
``_gl_document``, where JSON functions reach them. Their numbers (insulin and carbs on board, the
pump's reservoir, batteries) get columns because parsing every document's JSON again in each full
build was most of staging's time; their text (timestamps, names) would grow the zone by a third
for no new information, and arrays (predictions) stay in the document.

Encoding 1 (before nested numbers had columns) has no ``_gl_encoding`` column; readers fall back
to the document's JSON for it.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

__all__ = [
    "DOCUMENT",
    "METADATA_COLUMNS",
    "canonical_json",
    "encode_documents",
    "to_parquet_bytes",
]

DOCUMENT = "_gl_document"
SOURCE_ID = "_gl_source_id"
BATCH_ID = "_gl_batch_id"
FETCHED_AT = "_gl_fetched_at"
ENCODING = "_gl_encoding"
METADATA_COLUMNS = (SOURCE_ID, BATCH_ID, FETCHED_AT, DOCUMENT, ENCODING)
ENCODING_VERSION = 2

# zstd level 9: a few percent smaller than 6 on CGM documents, still far cheaper than fetching.
# Level 15 saves 5 % more on a compacted month at twice the time; 19 saves 20 % at 12 times
# (6.5 s per source-month of devicestatus): not worth it on every month of a cohort.
ZSTD_LEVEL = 9
_INT64 = (-(2**63), 2**63 - 1)
_DICTIONARY_MAX_DISTINCT_RATIO = 0.1
_DATA_PAGE_BYTES = 64 * 1024 * 1024


def canonical_json(document: dict[str, Any]) -> str:
    """The document as compact JSON text, keys in the order the server sent them."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def encode_documents(
    documents: Sequence[tuple[dict[str, Any], str, datetime]],
    *,
    source_id: str,
    batch_id: str | Sequence[str],
) -> pa.Table:
    """Build the raw table for ``(document, canonical JSON, fetched_at)`` triples.

    ``batch_id`` is the ingest batch of every document, or one per document (a compacted file
    keeps each document's own batch).
    """
    batch_ids = [batch_id] * len(documents) if isinstance(batch_id, str) else list(batch_id)
    names: dict[str, None] = {}
    for document, _, _ in documents:
        for key in document:
            if key not in names and not key.startswith("_gl_"):
                names[key] = None
    columns: dict[str, pa.Array[Any]] = {
        SOURCE_ID: pa.array([source_id] * len(documents), pa.string()),
        BATCH_ID: pa.array(batch_ids, pa.string()),
        FETCHED_AT: pa.array([f for _, _, f in documents], pa.timestamp("ms", tz="UTC")),
        DOCUMENT: pa.array([text for _, text, _ in documents], pa.string()),
        ENCODING: pa.array([ENCODING_VERSION] * len(documents), pa.int8()),
    }
    for name in names:
        column = _scalar_column([document.get(name) for document, _, _ in documents])
        if column is not None:
            columns[name] = column
    nested = [_nested_numbers(document) for document, _, _ in documents]
    paths: dict[str, None] = {}
    for numbers in nested:
        paths.update(dict.fromkeys(p for p in numbers if p not in names))
    for path in paths:
        column = _scalar_column([numbers.get(path) for numbers in nested])
        if column is not None:
            columns[path] = column
    return pa.table(columns)


def _nested_numbers(document: dict[str, Any]) -> dict[str, Any]:
    """``{"loop.iob.iob": 0.5, …}``: every number inside the document's objects, by path.

    Keys holding a dot are left out, so a path names one place only; so are arrays, and values
    that are no number (the column is null there; the document keeps them).
    """
    found: dict[str, Any] = {}
    pending = [(k, v) for k, v in document.items() if isinstance(v, dict) and "." not in k]
    while pending:
        prefix, value = pending.pop()
        for key, child in value.items():
            if "." in key:
                continue
            path = f"{prefix}.{key}"
            if isinstance(child, dict):
                pending.append((path, child))
            elif _kind(child) in {"int", "float"}:
                found[path] = child
    return found


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
